// The one table of command-line options. yargs flags, PDSFS_* environment variables, config-file
// keys and the README's option list all come from here; commands pick groups of it.
import os from 'node:os';
import path from 'node:path';

export type OptionGroup = 'source' | 'cache' | 'vfs' | 'serve' | 'mount' | 'emulator' | 'faults' | 'log' | 'daemon';

export interface OptionSpec {
  type: 'string' | 'number' | 'boolean' | 'array';
  describe: string;
  group: OptionGroup;
  default?: string | number | boolean | string[];
  /** Never printed or logged. */
  secret?: boolean;
}

const home = os.homedir();
export const DEFAULT_DATA_DIR = path.join(home, '.local', 'share', 'pdsfs');
export const DEFAULT_CACHE_DIR = path.join(home, '.cache', 'pdsfs');
export const DEFAULT_CONFIG_FILE = path.join(home, '.config', 'pdsfs', 'config.json');

export const OPTIONS = {
  // Where the data lives. Without --endpoint, serve and mount run an embedded local PDS server on --data-dir.
  endpoint: { type: 'string', group: 'source', describe: 'PDS API endpoint, e.g. https://<domain_id>.api.aliyunpds.com (default: embedded local PDS server)' },
  'refresh-token': { type: 'string', group: 'source', secret: true, describe: 'OAuth refresh token (rotated tokens are saved to the config file)' },
  'client-id': { type: 'string', group: 'source', describe: 'PDS application (client) id' },
  'client-secret': { type: 'string', group: 'source', secret: true, describe: 'PDS application secret (confidential apps)' },
  'access-token': { type: 'string', group: 'source', secret: true, describe: 'A ready access token (no refresh)' },
  'data-dir': { type: 'string', group: 'source', default: DEFAULT_DATA_DIR, describe: 'Store of the embedded local PDS server' },

  'cache-dir': { type: 'string', group: 'cache', default: DEFAULT_CACHE_DIR, describe: 'Metadata cache, block cache and staged writes' },
  'cache-mem': { type: 'string', group: 'cache', default: '128M', describe: 'In-memory block cache size' },
  'cache-max-size': { type: 'string', group: 'cache', default: '10G', describe: 'On-disk block cache size' },
  'block-size': { type: 'string', group: 'cache', default: '4M', describe: 'Block cache block size' },

  drive: { type: 'string', group: 'vfs', describe: 'Serve one drive (name or id) at the root instead of drives/ and shares/' },
  'show-views': { type: 'boolean', group: 'vfs', default: false, describe: 'With --drive: show trash/, versions/, search/ and starred/ at the root too' },
  share: { type: 'array', group: 'vfs', describe: 'Add a share link under shares/: ID or ID:PASSWORD (repeatable)' },
  'read-only': { type: 'boolean', group: 'vfs', default: false, describe: 'Refuse every change' },
  'poll-interval': { type: 'number', group: 'vfs', default: 10, describe: 'Seconds between change-feed polls' },
  'dir-cache-time': { type: 'number', group: 'vfs', default: 60, describe: 'Seconds a listing is trusted when there is no change feed' },
  'write-back': { type: 'number', group: 'vfs', default: 2, describe: 'Seconds to wait after close before uploading' },
  'delete-permanently': { type: 'boolean', group: 'vfs', default: false, describe: 'Delete instead of moving to the recycle bin' },
  'download-streams': { type: 'number', group: 'vfs', default: 8, describe: 'Most ranged GETs one sequential read runs at once (1 = one stream)' },
  'upload-parts': { type: 'number', group: 'vfs', default: 8, describe: 'Most parts of one file uploaded at once (1 = in order)' },
  'list-prefetch': { type: 'number', group: 'vfs', default: 8, describe: 'Folders listed at once ahead of a tree walk (0 = none)' },

  host: { type: 'string', group: 'serve', default: '127.0.0.1', describe: 'Address to bind' },
  port: { type: 'number', group: 'serve', default: 8080, describe: 'Port to listen on' },

  'log-level': { type: 'string', group: 'log', default: 'info', describe: 'fatal, error, warn, info, debug or trace' },
  'log-file': { type: 'string', group: 'log', describe: 'Write logs to this file instead of stderr' },
  'log-format': { type: 'string', group: 'log', default: 'auto', describe: 'auto (readable lines on a terminal, JSON otherwise and in a --log-file), pretty or json' },
  'status-port': { type: 'number', group: 'daemon', describe: 'Also serve a status page on http://127.0.0.1:PORT/ (0 picks a free port; default: off)' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** Options of the given groups, as a yargs options object. */
export function optionsFor(...groups: OptionGroup[]): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [string, OptionSpec][]) {
    if (groups.includes(spec.group)) out[name] = spec;
  }
  return out;
}

export const SECRET_OPTIONS: ReadonlySet<string> = new Set(
  (Object.entries(OPTIONS) as [string, OptionSpec][]).filter(([, s]) => s.secret).map(([n]) => n),
);

/** Parses sizes like "256M", "4MiB", "10G", "1024". */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit] ?? 1;
  return Math.round(Number(m[1]) * mult);
}
