// `pdsfs login`: checks credentials for a real PDS domain against it, then stores them (with the
// refresh token as rotated by that check) in the config file, mode 0600.
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { updateConfigFile } from '../../config/config-file.js';
import { withCredentials, type LoginCredentials } from '../../config/credentials.js';
import { configFileOf } from '../../config/load-config.js';
import { FileTokenStore, tokenStoreFile } from '../../config/token-store.js';
import { loginId } from '../../pds/auth.js';
import { yargsOptionsFor } from '../../config/option-values.js';
import type { VerifiedAccount } from '../../config/verify-credentials.js';

type Argv = Record<string, unknown>;

const NO_ENDPOINT = `pdsfs login is only for a real PDS domain. Give --endpoint https://<domain_id>.api.aliyunpds.com and either
  --refresh-token T --client-id ID [--client-secret S], or
  --private-key FILE --client-id ID --user-id U --domain-id D (a JWT application).
Without an endpoint, serve and mount use the embedded local PDS server (its store is --data-dir): no login is needed.`;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The credentials the flags describe: --private-key selects a JWT application. */
function credentialsFrom(argv: Argv): LoginCredentials | string {
  const endpoint = str(argv.endpoint)?.replace(/\/+$/, '');
  if (!endpoint) return NO_ENDPOINT;
  const clientId = str(argv['client-id']);
  const privateKey = str(argv['private-key']);
  if (privateKey) {
    const userId = str(argv['user-id']);
    const domainId = str(argv['domain-id']);
    if (!clientId || !userId || !domainId) return 'a JWT login needs --client-id, --user-id and --domain-id with --private-key';
    const jwt = { 'client-id': clientId, 'private-key-path': path.resolve(privateKey), 'user-id': userId, 'domain-id': domainId };
    return { kind: 'jwt', endpoint, jwt };
  }
  const refreshToken = str(argv['refresh-token']);
  if (!refreshToken || !clientId) return 'login needs --refresh-token and --client-id (or --private-key for a JWT application)';
  const clientSecret = str(argv['client-secret']);
  return { kind: 'refresh-token', endpoint, refreshToken, clientId, ...(clientSecret ? { clientSecret } : {}) };
}

function describeAccount(endpoint: string, account: VerifiedAccount): string {
  const { user, drives } = account;
  const name = user.nick_name || user.user_name || user.user_id;
  const lines = [`Logged in to ${endpoint} as ${name} (user ${user.user_id}, domain ${user.domain_id}).`];
  if (drives.length === 0) lines.push('No drives are available to this user.');
  else lines.push('Drives:', ...drives.map((d) => `  ${d.drive_name} (${d.drive_id})${d.drive_id === user.default_drive_id ? ' [default]' : ''}`));
  return lines.join('\n');
}

export const loginCommand: CommandModule = {
  command: 'login',
  describe: 'Check and store credentials for a real PDS domain',
  builder: (y) =>
    y
      .options({
        ...yargsOptionsFor('login'),
        'private-key': { type: 'string', describe: 'JWT application: PEM file of the RSA private key (its path is stored, not the key)' },
        'user-id': { type: 'string', describe: 'JWT application: the user to act as' },
        'domain-id': { type: 'string', describe: 'JWT application: the PDS domain' },
      })
      .example('$0 login --endpoint https://DOMAIN.api.aliyunpds.com --refresh-token T --client-id ID', 'refresh-token login')
      .example('$0 login --endpoint URL --client-id ID --private-key app.pem --user-id U --domain-id D', 'JWT application'),
  handler: async (argv) => {
    const creds = credentialsFrom(argv);
    if (typeof creds === 'string') {
      process.stderr.write(`${creds}\n`);
      process.exitCode = 1;
      return;
    }
    let account: VerifiedAccount;
    try {
      // Loaded here, so that --help and --version start fast.
      const { verifyCredentials } = await import('../../config/verify-credentials.js');
      account = await verifyCredentials(creds);
    } catch (err) {
      process.stderr.write(`pdsfs login: ${(err as Error).message}\nNothing was saved.\n`);
      process.exitCode = 1;
      return;
    }
    const file = configFileOf(argv);
    const tokens = account.tokens;
    if (creds.kind === 'refresh-token' && tokens) {
      // The config names the login by its first live refresh token; the store carries the pair on.
      // Running daemons whose login died take the new pair from the store.
      const login = { ...tokens, login: loginId(tokens.refreshToken) };
      await new FileTokenStore(tokenStoreFile(file)).locked(async () => ({ write: login, result: undefined }));
      await updateConfigFile(file, (current) => withCredentials(current, { ...creds, refreshToken: login.refreshToken }));
    } else {
      await updateConfigFile(file, (current) => withCredentials(current, creds));
    }
    process.stdout.write(`${describeAccount(creds.endpoint, account)}\nCredentials saved to ${file} (mode 0600).\n`);
  },
};
