// A Vfs over memory drives (test/helpers/memory-remote.ts), built as the app builds its own
// (src/app.ts openVfs) on a temp cache dir: for VFS tests where HTTP adds nothing.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppOptions } from '../../src/app-options.js';
import { type App, openVfs } from '../../src/app.js';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { Reachability } from '../../src/core/reachability.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { Volume } from '../../src/vfs/volume.js';
import { defaultAppOptions } from './app-options.js';
import { MemoryPds, type MemoryRemote } from './memory-remote.js';

export interface MemoryApp {
  vfs: App['vfs'];
  admin: App['admin'];
  pds: MemoryPds;
  /** "My Drive" and "Team Drive", as the local server's development account has. */
  drives: MemoryRemote[];
  close(): Promise<void>;
}

/** Both drives under /drives, or one at the root with `drive` (its name). */
export async function startMemoryApp(overrides: Partial<AppOptions> = {}): Promise<MemoryApp> {
  const pds = new MemoryPds();
  const drives = [pds.addDrive(), pds.addDrive()];
  const all: Volume[] = ['My Drive', 'Team Drive'].map((dirName, i) => ({ id: drives[i]!.volumeId, dirName, kind: 'drive', remote: drives[i]!, readOnly: overrides.readOnly ?? false }));
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-memory-'));
  const opts = { ...defaultAppOptions('memory', '', cacheDir), ...overrides };
  const served = opts.drive === undefined ? all : all.filter((v) => v.dirName === opts.drive);
  const db = CacheDb.open(path.join(cacheDir, 'metadata.sqlite'));
  const reachability = new Reachability();
  const { vfs, admin } = await openVfs({ served, single: opts.drive !== undefined, cacheDir, db, opts, logger: silentLogger(), reachability });
  return {
    vfs,
    admin,
    pds,
    drives,
    async close() {
      await vfs.close();
      db.close();
      reachability.close();
      await fs.rm(cacheDir, { recursive: true, force: true });
    },
  };
}
