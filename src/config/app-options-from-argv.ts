// Turns parsed yargs arguments (from the option table) into the typed AppOptions of the composition root.
import type { AppOptions } from '../app-options.js';
import { type Logger, type LoggerOptions, silentLogger } from '../shared/logger.js';
import { refreshTokenPersister, storedJwtCredentials } from './credentials.js';
import { configFileOf } from './load-config.js';
import { parseSize } from './options.js';

type Argv = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/** --log-level and --log-file as logger options. */
export function loggerOptionsFromArgv(argv: Argv): LoggerOptions {
  const file = str(argv['log-file']);
  return { level: String(argv['log-level']), ...(file ? { file } : {}) };
}

/** Also wires stored JWT credentials and the saving of rotated refresh tokens to the config file. */
export function appOptionsFromArgv(argv: Argv, logger: Logger = silentLogger()): AppOptions {
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
    opts.onRefreshToken = refreshTokenPersister(configFileOf(argv), refreshToken, logger);
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
  if (argv['show-views'] === true) opts.showViews = true;
  if (Array.isArray(argv.share)) opts.shares = argv.share.map(String);
  return opts;
}
