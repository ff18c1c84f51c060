// Test-only fast path for benchmark and test setup: writes folder entries straight into a local PDS server's
// store (its pds.sqlite, WAL, shared with the running server) instead of one file/create call
// each, which would take minutes for 100,000 entries. The rows are those file/create makes for an
// empty file (no blob, status available); with `changes`, each also gets the change-log row that
// file/create appends, so list_delta reports it. Used by benchmarks and tests only.
import path from 'node:path';
import Database from 'better-sqlite3';
import { newRow } from '../../src/emulator/mutations.js';
import { newFileId } from '../../src/emulator/ids.js';

export interface BulkFolder {
  folderId: string;
}

/** Creates folder `name` under root of `driveId` holding `count` empty files entry-0 … entry-(count-1). */
export function bulkFolder(dataDir: string, driveId: string, name: string, count: number, opts: { changes?: boolean } = {}): BulkFolder {
  return inStore(dataDir, driveId, opts, (add) => {
    const base = Date.now() - count;
    const folderId = add('root', name, 'folder', base - 1);
    for (let i = 0; i < count; i++) add(folderId, `entry-${i}`, 'file', base + i);
    return { folderId };
  });
}

/** Adds `count` empty files entry-0 … entry-(count-1) to the existing folder `folderId`. */
export function bulkEntries(dataDir: string, driveId: string, folderId: string, count: number, opts: { changes?: boolean } = {}): void {
  inStore(dataDir, driveId, opts, (add) => {
    const base = Date.now() - count;
    for (let i = 0; i < count; i++) add(folderId, `entry-${i}`, 'file', base + i);
  });
}

type AddRow = (parentId: string, entryName: string, type: 'file' | 'folder', at: number) => string;

/** Runs `fill` in one transaction of the store, with `add` writing one row (and its change). */
function inStore<T>(dataDir: string, driveId: string, opts: { changes?: boolean }, fill: (add: AddRow) => T): T {
  const db = new Database(path.join(dataDir, 'pds.sqlite'));
  db.pragma('busy_timeout = 5000');
  try {
    const seed = JSON.parse((db.prepare("SELECT value FROM meta WHERE key = 'seed'").get() as { value: string }).value) as { userId: string; domainId: string };
    const insert = db.prepare(
      `INSERT INTO files (file_id, drive_id, parent_file_id, name, type, status, size, created_at, updated_at, creator_id, last_modifier_id)
       VALUES (@file_id, @drive_id, @parent_file_id, @name, @type, @status, @size, @created_at, @updated_at, @creator_id, @last_modifier_id)`,
    );
    const change = db.prepare('INSERT INTO changes (drive_id, file_id, op, file_json, created_at) VALUES (?, ?, ?, ?, ?)');
    const add: AddRow = (parentId, entryName, type, at) => {
      const iso = new Date(at).toISOString();
      const row = newRow({ driveId, parentId, name: entryName, type, creatorId: seed.userId }, { file_id: newFileId(), created_at: iso, updated_at: iso });
      insert.run(row);
      if (opts.changes) {
        const view = { domain_id: seed.domainId, drive_id: driveId, file_id: row.file_id, parent_file_id: parentId, name: entryName, type, status: 'available', size: 0, created_at: iso, updated_at: iso };
        change.run(driveId, row.file_id, 'create', JSON.stringify(view), iso);
      }
      return row.file_id;
    };
    return db.transaction(() => fill(add))();
  } finally {
    db.close();
  }
}
