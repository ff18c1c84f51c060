// Rotated refresh tokens reach the config file, against the real local PDS server (which deletes a
// refresh token once used, so a token not saved is a token lost).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConfigFile, updateConfigFile, writeConfigFile } from '../../src/config/config-file.js';
import { refreshTokenPersister, storedJwtCredentials } from '../../src/config/credentials.js';
import { connectPds, type ConnectOptions } from '../../src/pds/connect.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startEmulator } from '../helpers/emulator.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-credentials-'));
after(() => fsp.rm(root, { recursive: true, force: true }));

/** Waits for the persister's fire-and-forget writes: updates of one file run in call order. */
const settled = (file: string): Promise<unknown> => updateConfigFile(file, () => undefined);

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

  it('every rotation of the stored token is saved, and the saved token is the one that works', async () => {
    const file = path.join(root, 'rotation', 'config.json');
    const first = emu.emu.devAccount().refresh_token;
    await writeConfigFile(file, { options: { endpoint: emu.account.endpoint, 'refresh-token': first, 'client-id': emu.account.client_id, 'cache-dir': '/keep' } });
    const onRefreshToken = refreshTokenPersister(file, first, silentLogger());
    await withClient({ refreshToken: first, onRefreshToken }, async (client) => {
      await client.users.get();
      await settled(file);
      const second = readConfigFile(file).options['refresh-token'];
      assert.notEqual(second, first, 'the grant rotated the token and it was saved');
      // A forced second refresh (as on AccessTokenInvalid) rotates again.
      const source = client.tokenSource;
      assert.ok(source);
      await source.renew(await source.getToken());
      await settled(file);
      assert.notEqual(readConfigFile(file).options['refresh-token'], second);
    });
    const stored = readConfigFile(file);
    assert.equal(stored.options['cache-dir'], '/keep');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const user = await withClient({ refreshToken: String(stored.options['refresh-token']) }, (client) => client.users.get());
    assert.ok(user.user_id);
  });

  it('a token that did not come from the config file never overwrites it', async () => {
    const file = path.join(root, 'foreign', 'config.json');
    await writeConfigFile(file, { options: { 'refresh-token': 'another-accounts-token' } });
    const fromFlag = emu.emu.devAccount().refresh_token;
    await withClient({ refreshToken: fromFlag, onRefreshToken: refreshTokenPersister(file, fromFlag, silentLogger()) }, (client) => client.users.get());
    await settled(file);
    assert.equal(readConfigFile(file).options['refresh-token'], 'another-accounts-token');
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
