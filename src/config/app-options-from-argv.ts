// Turns parsed yargs arguments (from the option table) into the typed AppOptions of the composition root.
import type { AppOptions } from '../app-options.js';
import { LOG_FORMATS, type LogFormat, type LoggerOptions } from '../shared/logger.js';
import { storedJwtCredentials } from './credentials.js';
import { configFileOf, loadConfigFile } from './load-config.js';
import { OPTIONS, parseSize } from './options.js';
import { FileTokenStore, tokenStoreFile } from './token-store.js';

type Argv = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/** A size option in bytes; its default is the option table's (argv lacks it when a caller skips yargs). */
const size = (argv: Argv, name: 'cache-mem' | 'cache-max-size' | 'block-size'): number => parseSize(String(argv[name] ?? OPTIONS[name].default));
type NumberOption = 'poll-interval' | 'dir-cache-time' | 'write-back' | 'download-streams' | 'upload-parts' | 'list-prefetch';
/** A number option (seconds or a count), defaulting as the option table says. */
const numberOption = (argv: Argv, name: NumberOption): number => num(argv[name], OPTIONS[name].default);

/** --log-level, --log-file and --log-format as logger options. */
export function loggerOptionsFromArgv(argv: Argv): LoggerOptions {
  const file = str(argv['log-file']);
  const format = str(argv['log-format']) ?? 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(format)) throw new Error(`--log-format: ${format} is not one of ${LOG_FORMATS.join(', ')}`);
  return { level: String(argv['log-level']), format: format as LogFormat, ...(file ? { file } : {}) };
}

/** Also wires stored JWT credentials and, for the stored login, the token store shared with other processes. */
export function appOptionsFromArgv(argv: Argv): AppOptions {
  const opts: AppOptions = {
    dataDir: String(argv['data-dir']),
    cacheDir: String(argv['cache-dir']),
    cacheMem: size(argv, 'cache-mem'),
    cacheMaxSize: size(argv, 'cache-max-size'),
    blockSize: size(argv, 'block-size'),
    readOnly: argv['read-only'] === true,
    pollIntervalSec: numberOption(argv, 'poll-interval'),
    dirCacheTimeSec: numberOption(argv, 'dir-cache-time'),
    writeBackSec: numberOption(argv, 'write-back'),
    deletePermanently: argv['delete-permanently'] === true,
    downloadStreams: numberOption(argv, 'download-streams'),
    uploadParts: numberOption(argv, 'upload-parts'),
    listPrefetch: numberOption(argv, 'list-prefetch'),
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
  if (argv['show-views'] === true) opts.showViews = true;
  if (Array.isArray(argv.share)) opts.shares = argv.share.map(String);
  return opts;
}
