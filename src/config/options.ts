// The one table of command-line options. Each is declared once, with its kind (a size, a duration,
// a path, ...), its default and the commands that take it; yargs options (option-values.ts), the
// PDSFS_* environment (yargs reads it for every declared option), the config-file keys
// (config-file.ts) and the app's options (app-options-from-argv.ts) all come from here.
import os from 'node:os';
import path from 'node:path';
import type { AppOptions } from '../app-options.js';
// Tables only (no server code), so that --help and --version stay fast.
import { NET_PROFILES } from '../emulator/faults.js';
import { LOG_FORMATS } from '../shared/log-format.js';
import { LISTED_AT_ONCE } from '../vfs/listing-prefetch.js';

/** The commands that take options of the table; the share subcommands take different ones. */
export type CommandName = 'serve' | 'mount' | 'emulator' | 'views' | 'login' | 'status' | 'cache' | ShareCommand;
export type ShareCommand = `share ${'create' | 'list' | 'info' | 'update' | 'cancel' | 'save'}`;

/**
 * What a value is, and so how it is written and read: a size is bytes ("4M", "1.5G", 4096); a
 * duration is milliseconds once read ("500ms", "90s", "2m", "1h", "7d"; a bare number is in the
 * option's `unit`); an octal is a mode ("022"); a url loses trailing slashes.
 */
export type OptionKind = 'text' | 'path' | 'url' | 'list' | 'flag' | 'count' | 'number' | 'size' | 'duration' | 'octal' | 'choice';

/** The AppOptions fields set from the table (the rest are wired in app-options-from-argv.ts). */
type AppField = Exclude<keyof AppOptions, 'jwt' | 'tokenStore' | 'maxDirtyBytes'>;

export interface OptionSpec {
  kind: OptionKind;
  describe: string;
  /** Heading in --help. */
  group: string;
  commands: readonly CommandName[];
  default?: string | number | boolean;
  /** What differs for some commands (a one-shot command logs only warnings, the emulator's port). */
  per?: Partial<Record<CommandName, { default?: string | number | boolean; describe?: string; group?: string }>>;
  /** The bare number's unit of a duration. */
  unit?: 'ms' | 's';
  choices?: readonly string[];
  /** Never printed or logged. */
  secret?: boolean;
  /** Given on the command line or in the environment only: not a config-file key. */
  cliOnly?: boolean;
  /** The AppOptions field this option sets, read by its kind. */
  app?: AppField;
}

const home = os.homedir();
export const DEFAULT_DATA_DIR = path.join(home, '.local', 'share', 'pdsfs');
export const DEFAULT_CACHE_DIR = path.join(home, '.cache', 'pdsfs');
export const DEFAULT_CONFIG_FILE = path.join(home, '.config', 'pdsfs', 'config.json');

const SHARE: readonly ShareCommand[] = ['share create', 'share list', 'share info', 'share update', 'share cancel', 'share save'];
/** The commands that build the app: they take the source, cache and log options. */
const APP = ['serve', 'mount', 'views', ...SHARE] as const;
const DAEMON = ['serve', 'mount'] as const;
// A one-shot command logs only warnings and errors unless asked: its answer is the output.
const QUIET = Object.fromEntries([...SHARE, 'views'].map((c) => [c, { default: 'warn' }]));
const EMULATOR = ['emulator'] as const;
const SETTINGS = ['share create', 'share update'] as const;

export const OPTIONS = {
  // Where the data lives. Without --endpoint, serve and mount run an embedded local PDS server on --data-dir.
  endpoint: { kind: 'url', group: 'source', commands: [...APP, 'login'], app: 'endpoint', describe: 'PDS API endpoint, e.g. https://<domain_id>.api.aliyunpds.com (default: embedded local PDS server)' },
  'refresh-token': { kind: 'text', group: 'source', commands: [...APP, 'login'], secret: true, app: 'refreshToken', describe: 'OAuth refresh token (given here: kept in memory; stored by pdsfs login: shared with every process of that login)' },
  'client-id': { kind: 'text', group: 'source', commands: [...APP, 'login'], app: 'clientId', describe: 'PDS application (client) id' },
  'client-secret': { kind: 'text', group: 'source', commands: [...APP, 'login'], secret: true, app: 'clientSecret', describe: 'PDS application secret (confidential apps)' },
  'access-token': { kind: 'text', group: 'source', commands: APP, secret: true, app: 'accessToken', describe: 'A ready access token (no refresh)' },
  'data-dir': {
    kind: 'path', group: 'source', commands: [...APP, 'emulator'], default: DEFAULT_DATA_DIR, app: 'dataDir',
    describe: 'Store of the local PDS server (embedded when there is no --endpoint): SQLite metadata and content blobs',
  },

  'cache-dir': { kind: 'path', group: 'cache', commands: [...APP, 'status', 'cache'], default: DEFAULT_CACHE_DIR, app: 'cacheDir', describe: 'Metadata cache, block cache and staged writes' },
  'cache-mem': { kind: 'size', group: 'cache', commands: APP, default: '128M', app: 'cacheMem', describe: 'In-memory block cache size' },
  'cache-max-size': { kind: 'size', group: 'cache', commands: APP, default: '10G', app: 'cacheMaxSize', describe: 'On-disk block cache size' },
  'block-size': { kind: 'size', group: 'cache', commands: APP, default: '4M', app: 'blockSize', describe: 'Block cache block size' },

  drive: { kind: 'text', group: 'vfs', commands: DAEMON, app: 'drive', describe: 'Serve one drive (name or id) at the root instead of drives/ and shares/' },
  'show-views': { kind: 'flag', group: 'vfs', commands: DAEMON, default: false, app: 'showViews', describe: 'With --drive: show trash/, versions/, search/ and starred/ at the root too' },
  share: { kind: 'list', group: 'vfs', commands: DAEMON, app: 'shares', describe: 'Add a share link under shares/: ID or ID:PASSWORD (repeatable)' },
  'read-only': { kind: 'flag', group: 'vfs', commands: DAEMON, default: false, app: 'readOnly', describe: 'Refuse every change' },
  'poll-interval': { kind: 'duration', unit: 's', group: 'vfs', commands: DAEMON, default: 10, app: 'pollIntervalMs', describe: 'Time between change-feed polls (seconds, or 500ms, 2m, ...)' },
  'dir-cache-time': { kind: 'duration', unit: 's', group: 'vfs', commands: DAEMON, default: 60, app: 'dirCacheTimeMs', describe: 'How long a listing is trusted when there is no change feed (seconds, or 2m, 1h, ...)' },
  'write-back': { kind: 'duration', unit: 's', group: 'vfs', commands: DAEMON, default: 2, app: 'writeBackMs', describe: 'Wait after close before uploading (seconds, or 500ms, 1m, ...)' },
  'delete-permanently': { kind: 'flag', group: 'vfs', commands: DAEMON, default: false, app: 'deletePermanently', describe: 'Delete instead of moving to the recycle bin' },
  'download-streams': { kind: 'count', group: 'vfs', commands: DAEMON, default: 8, app: 'downloadStreams', describe: 'Most ranged GETs one sequential read runs at once (1 = one stream)' },
  'upload-parts': { kind: 'count', group: 'vfs', commands: DAEMON, default: 8, app: 'uploadParts', describe: 'Most parts of one file uploaded at once (1 = in order)' },
  'list-prefetch': { kind: 'count', group: 'vfs', commands: DAEMON, default: LISTED_AT_ONCE, app: 'listPrefetch', describe: 'Folders listed at once ahead of a tree walk (0 = none)' },

  host: { kind: 'text', group: 'serve', commands: ['serve', 'emulator'], default: '127.0.0.1', describe: 'Address to bind' },
  port: { kind: 'count', group: 'serve', commands: ['serve', 'emulator'], default: 8080, per: { emulator: { default: 8090 } }, describe: 'Port to listen on (0 = any free port)' },
  user: { kind: 'text', group: 'serve', commands: ['serve'], cliOnly: true, describe: 'Basic auth user name (with --password)' },
  password: {
    kind: 'text', group: 'serve', commands: ['serve', ...SETTINGS], cliOnly: true, secret: true, describe: 'Basic auth password (or PDSFS_PASSWORD)',
    per: {
      'share create': { group: 'share', describe: 'Share password (visible ASCII, up to 64 characters)' },
      'share update': { group: 'share', describe: 'Share password (visible ASCII, up to 64 characters; "" removes it)' },
    },
  },
  htpasswd: { kind: 'path', group: 'serve', commands: ['serve'], cliOnly: true, describe: 'Apache htpasswd file with the allowed users (bcrypt, MD5 or SHA entries)' },
  auth: { kind: 'flag', group: 'serve', commands: ['serve'], cliOnly: true, default: true, describe: 'Require a login (--no-auth serves without one)' },
  'tls-cert': { kind: 'path', group: 'serve', commands: ['serve'], cliOnly: true, describe: 'PEM certificate: serve HTTPS (with --tls-key)' },
  'tls-key': { kind: 'path', group: 'serve', commands: ['serve'], cliOnly: true, describe: 'PEM private key for --tls-cert' },

  'allow-other': { kind: 'flag', group: 'mount', commands: ['mount'], cliOnly: true, default: false, describe: 'Let other users access the mount (non-root needs user_allow_other in /etc/fuse.conf)' },
  'posix-attrs': {
    kind: 'flag', group: 'mount', commands: ['mount'], cliOnly: true, default: true,
    describe: 'Keep modes, owners, times, symlinks, FIFOs and device nodes with the files in PDS, and let the kernel check permissions (--no-posix-attrs: every file shows --uid, --gid and --umask)',
  },
  uid: { kind: 'count', group: 'mount', commands: ['mount'], cliOnly: true, describe: 'Owner shown for files without stored attributes (default: the mounting user)' },
  gid: { kind: 'count', group: 'mount', commands: ['mount'], cliOnly: true, describe: 'Group shown for files without stored attributes (default: the mounting group)' },
  umask: { kind: 'octal', group: 'mount', commands: ['mount'], cliOnly: true, default: '022', describe: 'Octal umask applied to 0777 (directories) and 0666 (files) without stored attributes' },
  foreground: { kind: 'flag', group: 'mount', commands: ['mount'], cliOnly: true, default: true, describe: 'Stay in the foreground (pdsfs always does: run it under systemd, tmux or nohup to keep it going)' },
  'fuse-debug': { kind: 'flag', group: 'mount', commands: ['mount'], cliOnly: true, default: false, describe: "Trace every FUSE request on stderr (libfuse's debug output)" },

  'log-level': { kind: 'choice', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], group: 'log', commands: [...APP, 'emulator'], default: 'info', per: QUIET, describe: 'Least severe level logged' },
  'log-file': { kind: 'path', group: 'log', commands: [...APP, 'emulator'], describe: 'Write logs to this file instead of stderr' },
  'log-format': { kind: 'choice', choices: LOG_FORMATS, group: 'log', commands: [...APP, 'emulator'], default: 'auto', describe: 'auto (readable lines on a terminal, JSON otherwise and in a --log-file), pretty or json' },
  'status-port': { kind: 'count', group: 'daemon', commands: DAEMON, describe: 'Also serve a status page on http://127.0.0.1:PORT/ (0 picks a free port; default: off)' },

  expire: { kind: 'text', group: 'share', commands: SETTINGS, cliOnly: true, describe: 'Expiration: a duration (7d, 12h, 1w2d), an RFC 3339 time, or never' },
  name: { kind: 'text', group: 'share', commands: SETTINGS, cliOnly: true, describe: "Share name (default: the first shared item's name)", per: { 'share update': { describe: 'Share name' } } },
  description: { kind: 'text', group: 'share', commands: SETTINGS, cliOnly: true, describe: 'Description' },
  creatable: { kind: 'flag', group: 'share', commands: SETTINGS, cliOnly: true, describe: 'Let recipients upload into the shared folders' },

  'token-ttl': { kind: 'duration', unit: 's', group: 'emulator', commands: EMULATOR, cliOnly: true, describe: 'Access-token lifetime (seconds, or 2h, ...; default 7200)' },
  'refresh-token-ttl': { kind: 'duration', unit: 's', group: 'emulator', commands: EMULATOR, cliOnly: true, describe: 'Refresh-token lifetime (seconds, or 7d, ...; default 604800, 7 days)' },
  'cursor-ttl': { kind: 'duration', unit: 's', group: 'emulator', commands: EMULATOR, cliOnly: true, describe: 'Change-feed cursor lifetime after it was handed out (seconds, or 7d, ...; default 604800)' },
  'jwt-public-key': { kind: 'path', group: 'emulator', commands: EMULATOR, cliOnly: true, describe: 'PEM file with the RSA public key of the JWT application (enables the jwt-bearer grant)' },
  'drive-quota': { kind: 'size', group: 'emulator', commands: EMULATOR, cliOnly: true, describe: 'total_size of drives created in a new store, e.g. 100G' },
  'fault-5xx-rate': { kind: 'number', group: 'faults', commands: EMULATOR, cliOnly: true, default: 0, describe: 'Share of requests answered 500/503 (0..1)' },
  'fault-429-rate': { kind: 'number', group: 'faults', commands: EMULATOR, cliOnly: true, default: 0, describe: 'Share of requests answered 429 TooManyRequests (0..1)' },
  'fault-latency-ms': { kind: 'duration', unit: 'ms', group: 'faults', commands: EMULATOR, cliOnly: true, describe: "Delay added to every request (ms, or 1s, ...; default 0, or the profile's)" },
  'net-rate-per-connection': {
    kind: 'size', group: 'faults', commands: EMULATOR, cliOnly: true,
    describe: "Bandwidth of each TCP connection for downloads, part uploads and API answers, e.g. 16M (bytes/s; default unlimited, or the profile's)",
  },
  'net-profile': { kind: 'choice', choices: Object.keys(NET_PROFILES), group: 'faults', commands: EMULATOR, cliOnly: true, describe: 'Network preset: wan = 40 ms per request and 16 MiB/s per connection; the two options above override it' },
  'fault-drop-rate': { kind: 'number', group: 'faults', commands: EMULATOR, cliOnly: true, default: 0, describe: 'Share of data transfers cut mid-body (0..1)' },
  'fault-stall-rate': { kind: 'number', group: 'faults', commands: EMULATOR, cliOnly: true, default: 0, describe: 'Share of downloads that go silent mid-body, connection open (0..1)' },
  'fault-async-rate': { kind: 'number', group: 'faults', commands: EMULATOR, cliOnly: true, default: 0, describe: 'Share of moves, trashes, deletes and restores answered with an async_task_id and applied a little later (0..1)' },
  'fault-async-delay-ms': { kind: 'duration', unit: 'ms', group: 'faults', commands: EMULATOR, cliOnly: true, describe: 'How long such an async task runs before its change applies (ms, or 1s, ...; default 200)' },
  'fault-admin': { kind: 'flag', group: 'faults', commands: EMULATOR, cliOnly: true, default: false, describe: 'Expose /admin/faults and /admin/stats to change faults at run time' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

export const SECRET_OPTIONS: ReadonlySet<string> = new Set(
  (Object.entries(OPTIONS) as [string, OptionSpec][]).filter(([, s]) => s.secret).map(([n]) => n),
);

/** The options a config file may set (and `pdsfs config show` prints). */
export const CONFIG_KEYS: ReadonlySet<string> = new Set(
  (Object.entries(OPTIONS) as [string, OptionSpec][]).filter(([, s]) => !s.cliOnly).map(([n]) => n),
);

export function specOf(name: string): OptionSpec | undefined {
  return (OPTIONS as Record<string, OptionSpec>)[name];
}

/** Parses sizes like "256M", "4MiB", "10G", "1024". */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

const MS_PER = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses durations like "500ms", "90s", "2m", "1h", "7d" into milliseconds; a bare number is in `unit`. */
export function parseDuration(text: string | number, unit: 'ms' | 's'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(String(text));
  if (!m) throw new Error(`not a duration: ${text} (e.g. 10, 500ms, 90s, 2m, 1h)`);
  return Math.round(Number(m[1]) * MS_PER[(m[2]?.toLowerCase() ?? unit) as keyof typeof MS_PER]);
}
