// The stored login's token store, against the real local PDS server (a refresh there ends the old
// access and refresh tokens, so a pair not shared is a login lost for the other processes).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appOptionsFromArgv } from '../../src/config/app-options-from-argv.js';
import { readConfigFile, writeConfigFile } from '../../src/config/config-file.js';
import { storedJwtCredentials } from '../../src/config/credentials.js';
import { FileTokenStore, tokenStoreFile } from '../../src/config/token-store.js';
import { loginId } from '../../src/pds/auth.js';
import { connectPds, type ConnectOptions } from '../../src/pds/connect.js';
import { startEmulator } from '../helpers/emulator.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-credentials-'));
after(() => fsp.rm(root, { recursive: true, force: true }));


describe('stored credentials against the local PDS server', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  before(async () => {
    emu = await startEmulator({ jwtPublicKeyPem: keys.publicKey });
  });
  after(() => emu.close());

  async function withClient<T>(opts: Partial<ConnectOptions>, use: (client: ReturnType<typeof connectPds>) => Promise<T>): Promise<T> {
    const client = connectPds({ endpoint: emu.account.endpoint, clientId: emu.account.client_id, clientSecret: emu.account.client_secret, ...opts });
    try {
      return await use(client);
    } finally {
      client.close();
    }
  }

  /** A config file holding a fresh login of the dev account, as `pdsfs login` leaves it. */
  async function storedLogin(name: string): Promise<{ file: string; token: string }> {
    const file = path.join(root, name, 'config.json');
    const token = emu.emu.devAccount().refresh_token;
    await writeConfigFile(file, { options: { endpoint: emu.account.endpoint, 'refresh-token': token, 'client-id': emu.account.client_id, 'cache-dir': '/keep' } });
    return { file, token };
  }

  const tokenCalls = () => emu.emu.stats.requests['/v2/oauth/token'] ?? 0;

  it('every rotation goes to the token store next to the config (0600); the config keeps naming the login', async () => {
    const { file, token } = await storedLogin('rotation');
    const opts = appOptionsFromArgv({ config: file, 'refresh-token': token, 'client-id': emu.account.client_id, 'data-dir': root, 'cache-dir': root });
    assert.ok(opts.tokenStore instanceof FileTokenStore);
    assert.equal(opts.tokenStore.file, tokenStoreFile(file));
    const store = opts.tokenStore;
    await withClient({ refreshToken: token, tokenStore: store }, async (client) => {
      await client.users.get();
      const second = store.read();
      assert.ok(second && second.refreshToken !== token, 'the grant rotated the pair and it was stored');
      assert.equal(second.login, loginId(token));
      // A forced second refresh (as on AccessTokenInvalid) rotates again.
      const source = client.tokenSource!;
      await source.renew(await source.getToken());
      assert.notEqual(store.read()!.refreshToken, second.refreshToken);
    });
    assert.equal(fs.statSync(store.file).mode & 0o777, 0o600);
    const config = readConfigFile(file);
    assert.equal(config.options['refresh-token'], token);
    assert.equal(config.options['cache-dir'], '/keep');
    // A new process of the same login continues from the store, without a refresh.
    const before = tokenCalls();
    const user = await withClient({ refreshToken: token, tokenStore: new FileTokenStore(store.file) }, (client) => client.users.get());
    assert.ok(user.user_id);
    assert.equal(tokenCalls() - before, 0);
  });

  it('processes sharing a login never refresh behind each other: the store carries the live pair', async () => {
    // The reported failure: a daemon and `pdsfs share list` on one login; the CLI's refresh killed the daemon's tokens.
    const { file, token } = await storedLogin('shared');
    const daemon = connectPds({ endpoint: emu.account.endpoint, clientId: emu.account.client_id, refreshToken: token, tokenStore: new FileTokenStore(tokenStoreFile(file)) });
    try {
      await daemon.users.get();
      for (let i = 0; i < 4; i++) {
        // Each "CLI run" is a new client on the same login; it forces a refresh, which ends the daemon's access token.
        const cli = connectPds({ endpoint: emu.account.endpoint, clientId: emu.account.client_id, refreshToken: token, tokenStore: new FileTokenStore(tokenStoreFile(file)) });
        try {
          const source = cli.tokenSource!;
          await source.renew(await source.getToken());
          await cli.users.get();
        } finally {
          cli.close();
        }
        // The daemon's next call is refused (AccessTokenInvalid), re-reads the store and goes on.
        assert.equal((await daemon.users.get()).user_id, emu.account.user_id);
        assert.equal(daemon.tokenSource!.problem?.(), undefined);
      }
    } finally {
      daemon.close();
    }
  });

  it('a token from a flag or the environment is another login: it gets no store', async () => {
    const { file } = await storedLogin('foreign');
    const opts = appOptionsFromArgv({ config: file, 'refresh-token': 'from-a-flag', 'data-dir': root, 'cache-dir': root });
    assert.equal(opts.tokenStore, undefined);
  });

  it('serve and mount get the stored JWT application, unless a token is given explicitly', async () => {
    const dir = path.join(root, 'jwt');
    const keyFile = path.join(dir, 'app.pem');
    const file = path.join(dir, 'config.json');
    const { endpoint, client_id, user_id, domain_id } = emu.account;
    await writeConfigFile(file, { options: { endpoint }, jwt: { 'client-id': client_id, 'private-key-path': keyFile, 'user-id': user_id, 'domain-id': domain_id } });
    fs.writeFileSync(keyFile, keys.privateKey, { mode: 0o600 });
    const jwt = storedJwtCredentials({ config: file });
    assert.ok(jwt);
    assert.equal(jwt.privateKeyPem, keys.privateKey);
    const user = await withClient({ jwt }, (client) => client.users.get());
    assert.equal(user.user_id, user_id);
    assert.equal(storedJwtCredentials({ config: file, 'refresh-token': 'from-a-flag' }), undefined);
  });
});
