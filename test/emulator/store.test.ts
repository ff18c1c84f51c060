// The local server's store upgrades in place: a store written before the listing indexes keeps its
// files and their user_meta, and a page of a folder is then an index range.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, openDb } from '../../src/emulator/store/db.js';

test('a version 3 store (user_meta, revisions) keeps its files and their user_meta through the listing-index migration', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-emu-store-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const raw = new Database(path.join(dir, 'pds.sqlite'));
  for (const migration of MIGRATIONS.slice(0, 3)) raw.exec(migration);
  raw.pragma('user_version = 3');
  const insert = raw.prepare(
    `INSERT INTO files (file_id, drive_id, parent_file_id, name, type, status, created_at, updated_at, creator_id, last_modifier_id, user_meta)
     VALUES (?, '1', 'root', ?, 'file', 'available', ?, ?, 'u', 'u', ?)`,
  );
  const meta = '{"pdsfs.posix":{"mode":33188,"uid":0,"gid":0,"rdev":0,"atime":"1.000000000","mtime":"2.000000000","ctime":"3.000000000"}}';
  insert.run('f1', 'a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', meta);
  insert.run('f2', 'b', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z', null);
  raw.close();

  const db = openDb(dir);
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  const rows = db.prepare('SELECT file_id, user_meta FROM files ORDER BY seq').all();
  assert.deepEqual(rows, [{ file_id: 'f1', user_meta: meta }, { file_id: 'f2', user_meta: null }]);
  const plan = (order: string) =>
    (db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM files WHERE drive_id = ? AND parent_file_id = ? AND (${order}, seq) > (?, ?) ORDER BY ${order}, seq LIMIT 101`)
      .all('1', 'root', '', 0) as { detail: string }[]).map((r) => r.detail).join('; ');
  assert.match(plan('created_at'), /USING INDEX files_by_created/);
  assert.match(plan('name'), /USING INDEX files_by_name/);
  assert.doesNotMatch(plan('name'), /TEMP B-TREE/, 'no sort of the folder');
});

test('an exclusive store keeps its lock and its WAL index to itself; a shared one lets a second connection in', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-emu-store-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const shared = openDb(dir);
  shared.prepare("INSERT INTO meta (key, value) VALUES ('k', 'shared')").run();
  const other = new Database(path.join(dir, 'pds.sqlite'), { timeout: 0 });
  assert.equal((other.prepare("SELECT value FROM meta WHERE key = 'k'").get() as { value: string }).value, 'shared');
  other.close();
  shared.close();

  const db = openDb(dir, { exclusive: true });
  t.after(() => db.close());
  db.prepare("UPDATE meta SET value = 'exclusive' WHERE key = 'k'").run();
  assert.equal(db.pragma('locking_mode', { simple: true }), 'exclusive');
  // No shared-memory WAL index: statements take no fcntl lock on a -shm file.
  assert.equal(fs.existsSync(path.join(dir, 'pds.sqlite-shm')), false);
  const intruder = new Database(path.join(dir, 'pds.sqlite'), { timeout: 0 });
  t.after(() => intruder.close());
  assert.throws(() => intruder.prepare("SELECT value FROM meta WHERE key = 'k'").get(), { code: 'SQLITE_BUSY' });
});
