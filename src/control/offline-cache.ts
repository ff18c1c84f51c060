// `pdsfs cache clear` with no daemon running: empties the on-disk block cache of every data source
// in the cache dir (each has its own subdirectory, see src/app.ts) through its SQLite index.
// The journal, staged writes and the recovery folder are never touched.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DiskBlocks } from '../cache/blocks/disk-blocks.js';
import { CacheDb } from '../cache/metadata/db.js';
import { Journal } from '../cache/metadata/journal.js';

export const METADATA_FILE = 'metadata.sqlite';

export interface SourceCache {
  dir: string;
  pendingFiles: number;
  blockBytes: number;
}

export class PendingUploadsError extends Error {}

/** The per-source cache subdirectories of a cache dir. */
async function sourceDirs(cacheDir: string): Promise<string[]> {
  const entries = await fs.readdir(cacheDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  const dirs: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const dir = path.join(cacheDir, e.name);
    if (await fs.stat(path.join(dir, METADATA_FILE)).then(() => true, () => false)) dirs.push(dir);
  }
  return dirs.sort();
}

async function withSource<T>(dir: string, fn: (db: CacheDb, blocks: DiskBlocks) => Promise<T>): Promise<T> {
  const db = CacheDb.open(path.join(dir, METADATA_FILE));
  try {
    return await fn(db, new DiskBlocks(db, path.join(dir, 'blocks'), Number.MAX_SAFE_INTEGER));
  } finally {
    db.close();
  }
}

/**
 * Clears the block cache of every source, or of none: while any journal has pending uploads it
 * throws PendingUploadsError unless `force`. Returns what each source held.
 */
export async function clearCacheOffline(cacheDir: string, opts: { force: boolean }): Promise<SourceCache[]> {
  const found: SourceCache[] = [];
  for (const dir of await sourceDirs(cacheDir)) {
    found.push(await withSource(dir, async (db, blocks) => ({ dir, pendingFiles: new Journal(db).stats().pendingFiles, blockBytes: blocks.bytes })));
  }
  const pending = found.reduce((n, s) => n + s.pendingFiles, 0);
  if (pending > 0 && !opts.force) {
    throw new PendingUploadsError(
      `${pending} upload${pending === 1 ? ' is' : 's are'} pending in ${cacheDir}: they finish at the next serve or mount. ` +
        'Clear anyway with --force (pending uploads are kept either way).',
    );
  }
  for (const source of found) await withSource(source.dir, (_db, blocks) => blocks.clear());
  return found;
}
