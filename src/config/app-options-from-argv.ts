// Turns parsed yargs arguments (from the option table) into the typed AppOptions of the composition root.
import type { AppOptions } from '../app-options.js';
import type { LoggerOptions } from '../shared/logger.js';
import { storedJwtCredentials } from './credentials.js';
import { configFileOf, loadConfigFile } from './load-config.js';
import { FileTokenStore, tokenStoreFile } from './token-store.js';
import { parseSize } from './options.js';

type Argv = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/** --log-level and --log-file as logger options. */
export function loggerOptionsFromArgv(argv: Argv): LoggerOptions {
  const file = str(argv['log-file']);
  return { level: String(argv['log-level']), ...(file ? { file } : {}) };
}

/** Also wires stored JWT credentials and, for the stored login, the token store shared with other processes. */
export function appOptionsFromArgv(argv: Argv): AppOptions {
  const opts: AppOptions = {
    dataDir: String(argv['data-dir']),
    cacheDir: String(argv['cache-dir']),
    cacheMem: parseSize(String(argv['cache-mem'] ?? '128M')),
    cacheMaxSize: parseSize(String(argv['cache-max-size'] ?? '10G')),
    blockSize: parseSize(String(argv['block-size'] ?? '4M')),
    readOnly: argv['read-only'] === true,
    pollIntervalSec: num(argv['poll-interval'], 10),
    dirCacheTimeSec: num(argv['dir-cache-time'], 60),
    writeBackSec: num(argv['write-back'], 2),
    deletePermanently: argv['delete-permanently'] === true,
  };
  const endpoint = str(argv.endpoint);
  if (endpoint) opts.endpoint = endpoint.replace(/\/+$/, '');
  const refreshToken = str(argv['refresh-token']);
  if (refreshToken) {
    opts.refreshToken = refreshToken;
    // Only the login kept in the config file shares its store: a token from a flag or the
    // environment is another login, whose rotations must not replace the stored one's.
    const configFile = configFileOf(argv);
    if (loadConfigFile(configFile).options['refresh-token'] === refreshToken) opts.tokenStore = new FileTokenStore(tokenStoreFile(configFile));
  }
  const jwt = storedJwtCredentials(argv);
  if (jwt) opts.jwt = jwt;
  const clientId = str(argv['client-id']);
  if (clientId) opts.clientId = clientId;
  const clientSecret = str(argv['client-secret']);
  if (clientSecret) opts.clientSecret = clientSecret;
  const accessToken = str(argv['access-token']);
  if (accessToken) opts.accessToken = accessToken;
  const drive = str(argv.drive);
  if (drive) opts.drive = drive;
  if (Array.isArray(argv.share)) opts.shares = argv.share.map(String);
  return opts;
}
