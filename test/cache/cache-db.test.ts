// The metadata cache's database: its pragmas, the one process that owns it, group commits, the WAL's checkpoints off the request thread, and the migrations of older caches.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { Journal } from '../../src/cache/metadata/journal.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/cache/metadata/schema.js';
import { tsNodeArgs } from '../helpers/cli.js';
import { tempDir } from './temp-dir.js';
import { entry, openStore, VOL } from './store-fixture.js';

test('CacheDb creates a versioned WAL database with synchronous=NORMAL (commits survive kill -9 without an fsync each)', (t) => {
  const { db } = openStore(t);
  assert.equal(db.version, SCHEMA_VERSION);
  assert.equal(db.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.db.pragma('synchronous', { simple: true }), 1); // NORMAL
  assert.throws(() => db.batch(() => { throw new Error('inside'); }), /inside/);
});

test('CacheDb.batch holds the write lock from its start: a second connection writing between its read and its write (the checkpointer restarting the WAL) waits, and the batch commits', (t) => {
  const { db, store, file } = openStore(t);
  store.upsert(VOL, entry('f1', 'root', 'a.txt'));
  // The checkpointer's connection, as checkpointer.ts opens it (no busy wait: a locked write is skipped).
  const other = new Database(file, { fileMustExist: true, timeout: 0 });
  t.after(() => other.close());
  let otherWrote = true;
  db.batch(() => {
    assert.equal(store.revision(VOL, 'f1'), 'rev-f1'); // a read first: the batch's snapshot
    try {
      other.pragma('user_version = 7');
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'SQLITE_BUSY');
      otherWrote = false;
    }
    // Had the other write gone in, this write would fail at once with SQLITE_BUSY (a stale snapshot).
    store.remove(VOL, 'f1');
  });
  assert.equal(otherWrote, false, 'the other connection had to wait for the batch');
  assert.equal(store.revision(VOL, 'f1'), undefined);
});

test('CacheDb.durable: concurrent calls share fsyncs (group commit), and a call after an fsync gets its own', async (t) => {
  const { db } = openStore(t);
  db.db.exec('CREATE TABLE t (x)');
  const before = db.walSyncs;
  await Promise.all(Array.from({ length: 20 }, (_, i) => (db.db.prepare('INSERT INTO t VALUES (?)').run(i), db.durable())));
  const shared = db.walSyncs - before;
  assert.ok(shared >= 1 && shared <= 2, `20 concurrent calls took ${shared} fsyncs`);
  await db.durable();
  assert.equal(db.walSyncs - before, shared + 1);
});

test('CacheDb: one process owns the file; a second opener, in another process or this one, is refused at once with a readable error, the owner keeps working', async (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const owner = CacheDb.open(file);
  t.after(() => owner.close());
  owner.db.exec('CREATE TABLE t (x)');
  const db = new URL('../../src/cache/metadata/db.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(db)}).then(({ CacheDb }) => { try { CacheDb.open(${JSON.stringify(file)}).close(); console.log('opened'); } catch (e) { console.log(e.message); } })`;
  const { stdout } = await promisify(execFile)(process.execPath, tsNodeArgs('-e', script));
  assert.match(stdout.trim(), /in use by another pdsfs process/);
  assert.throws(() => CacheDb.open(file), /in use by another pdsfs process/);
  owner.db.prepare('INSERT INTO t VALUES (1)').run();
  assert.equal(owner.db.prepare('SELECT count(*) FROM t').pluck().get(), 1);
  owner.close();
  const next = CacheDb.open(file);
  assert.equal(next.db.prepare('SELECT count(*) FROM t').pluck().get(), 1, 'the next owner gets the file once the first closed');
  next.close();
});

test('CacheDb: commits never checkpoint the WAL; once it is due a worker thread checkpoints and restarts it, and close leaves no WAL', async (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const dueBytes = 256 * 1024;
  const db = CacheDb.open(file, { dueBytes, intervalMs: 60_000 });
  t.after(() => db.close());
  assert.equal(db.db.pragma('wal_autocheckpoint', { simple: true }), 0, 'no checkpoint inside a commit');
  db.db.exec('CREATE TABLE t (x)');
  const insert = db.db.prepare('INSERT INTO t VALUES (?)');
  const walBytes = () => fs.statSync(`${file}-wal`).size;
  await db.checkpointer.roomForWrites();
  assert.deepEqual(db.checkpointer.counts, { checkpoints: 0, restarts: 0, fallbacks: 0 }, 'nothing due yet');
  let rows = 0;
  for (; walBytes() < dueBytes; rows++) insert.run(Buffer.alloc(1024, rows));
  const grown = walBytes();
  await db.checkpointer.roomForWrites();
  assert.deepEqual(db.checkpointer.counts, { checkpoints: 1, restarts: 1, fallbacks: 0 });
  assert.ok(walBytes() < grown / 10, `the restart cut the WAL back: ${walBytes()} of ${grown} bytes`);
  assert.ok(db.db.pragma('user_version', { simple: true }) !== 0, 'the restart was the worker\'s write');
  insert.run(Buffer.alloc(1024));
  db.close();
  assert.equal(fs.existsSync(`${file}-wal`), false, 'the request connection closed last and removed the WAL');
  const again = CacheDb.open(file);
  assert.equal(again.db.prepare('SELECT count(*) FROM t').pluck().get(), rows + 1);
  again.close();
});

/** A cache database whose WAL has just grown past its checkpoint size (the interval's look far off). */
function walDue(t: TestContext) {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const dueBytes = 256 * 1024;
  const db = CacheDb.open(file, { dueBytes, intervalMs: 60_000 });
  t.after(() => db.close());
  db.db.exec('CREATE TABLE t (x)');
  const insert = db.db.prepare('INSERT INTO t VALUES (?)');
  const walBytes = () => fs.statSync(`${file}-wal`).size;
  let rows = 0;
  for (; walBytes() < dueBytes; rows++) insert.run(Buffer.alloc(1024, rows));
  return { file, db, insert, walBytes, rows, grown: walBytes() };
}

test('CacheDb: a WAL restarted by the request connection (a write between a checkpoint and the worker\'s restart) keeps its size; the worker\'s next restart cuts it', async (t) => {
  const { file, db, insert, walBytes, grown } = walDue(t);
  // A checkpoint complete, without the worker's restart after it (as the checkpointer's connection would run it).
  const other = new Database(file, { fileMustExist: true, timeout: 0 });
  t.after(() => other.close());
  const [copied] = other.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  assert.equal(copied!.checkpointed, copied!.log);
  insert.run(Buffer.alloc(1024));
  const [after] = other.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  assert.ok(after!.log < 5, `the request's write restarted the WAL: ${after!.log} frames in it`);
  assert.equal(walBytes(), grown, 'and left the file as large as it was (no truncate on the request thread)');
  await db.checkpointer.roomForWrites();
  assert.equal(db.checkpointer.counts.restarts, 1);
  assert.ok(walBytes() < grown / 10, `the worker's restart cut the WAL back: ${walBytes()} of ${grown} bytes`);
});

test('CacheDb: a restart that meets a request\'s write lock is tried again once the lock is free, after another checkpoint', async (t) => {
  const { db, insert, walBytes, grown } = walDue(t);
  // The write lock held while the worker checkpoints: its first restart write is refused (SQLITE_BUSY).
  db.db.exec('BEGIN IMMEDIATE');
  insert.run(Buffer.alloc(1024));
  const done = db.checkpointer.roomForWrites();
  const counts = new Int32Array(new SharedArrayBuffer(4));
  // A second checkpoint while the lock is still held: the restart after the first was refused.
  for (let waited = 0; db.checkpointer.counts.checkpoints < 2; waited++) {
    if (waited === 10_000) db.db.exec('COMMIT');
    assert.ok(waited < 10_000, 'the worker checkpointed twice while the lock was held');
    Atomics.wait(counts, 0, 0, 1);
  }
  db.db.exec('COMMIT');
  await done;
  const { checkpoints, restarts } = db.checkpointer.counts;
  assert.ok(checkpoints >= 2, `checkpointed again after the refused restart: ${checkpoints}`);
  assert.equal(restarts, 1);
  assert.ok(walBytes() < grown / 10, `restarted and cut back: ${walBytes()} of ${grown} bytes`);
});

test('CacheDb: when the checkpoint worker fails, SQLite checkpoints on commit again: writes go on and the WAL stays bounded', async (t) => {
  const due = walDue(t);
  const { file, db, insert, walBytes } = due;
  let rows = due.rows;
  // The worker starts now and opens the file by its path, which is gone (this connection keeps its
  // open descriptors): its open throws, a real failure of the thread.
  fs.renameSync(file, `${file}-away`);
  await db.checkpointer.roomForWrites();
  fs.renameSync(`${file}-away`, file);
  assert.deepEqual(db.checkpointer.counts, { checkpoints: 0, restarts: 0, fallbacks: 1 }, 'the worker failed before any checkpoint, and that is counted');
  assert.equal(db.db.pragma('wal_autocheckpoint', { simple: true }), 1000, "SQLite's own checkpoint is back on");

  // 24 MiB of rows, six times SQLite's checkpoint size (1000 pages): without the fallback the WAL
  // would hold all of them. A WAL frame is a page and its 24-byte header.
  const checkpointBytes = 1000 * ((db.db.pragma('page_size', { simple: true }) as number) + 24);
  const written = 24 * 1024 * 1024;
  let peak = 0;
  for (let batch = 0; batch < written / (64 * 1024); batch++) {
    db.batch(() => {
      for (let i = 0; i < 64; i++, rows++) insert.run(Buffer.alloc(1024, rows));
    });
    peak = Math.max(peak, walBytes());
    await db.checkpointer.roomForWrites();
  }
  assert.ok(peak < 2 * checkpointBytes, `the WAL stayed under twice SQLite's checkpoint size: peak ${peak} bytes after ${written} written`);
  db.close();
  const again = CacheDb.open(file);
  assert.equal(again.db.prepare('SELECT count(*) FROM t').pluck().get(), rows, 'every row written before and after the failure is there');
  again.close();
});

test('CacheDb refuses a file written by a newer schema', (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  CacheDb.open(file).close();
  const raw = new Database(file);
  raw.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
  raw.close();
  assert.throws(() => CacheDb.open(file), /schema version/);
});

test('a version 1 cache keeps its pending uploads through the migration to the current schema', (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const raw = new Database(file);
  raw.exec(MIGRATIONS[0]!);
  raw.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1)');
  raw.prepare(
    `INSERT INTO journal (volume, parent_id, name, name_nfc, staging_path, size, mtime, sha1, state, replace_id, base_revision,
       session, attempts, last_error, not_before, created_at, updated_at)
     VALUES ('drive:1', 'root', 'a.txt', 'a.txt', '/s/a', 3, 1, NULL, 'dirty', 'F1', 'R1', NULL, 0, NULL, 0, 1, 1)`,
  ).run();
  raw.close();
  const db = CacheDb.open(file);
  t.after(() => db.close());
  assert.equal(db.version, SCHEMA_VERSION);
  const [row] = new Journal(db).pending();
  assert.deepEqual([row?.name, row?.size, row?.replaceId, row?.state, row?.base], ['a.txt', 3, 'F1', 'dirty', null]);
});

test('CacheDb.reading runs its reads in one transaction, refuses a write inside it (which changes nothing), and writes go on after', (t) => {
  const { db, store } = openStore(t);
  store.upsert(VOL, entry('d1', 'root', 'dir', { kind: 'dir' }));
  store.upsert(VOL, entry('f1', 'd1', 'a.txt'));
  const parents = db.reading(() => {
    assert.equal(db.db.inTransaction, true);
    assert.throws(() => store.upsert(VOL, entry('f2', 'd1', 'b.txt')), (err: { code?: string }) => err.code === 'SQLITE_READONLY');
    return [store.parentId(VOL, 'f1'), store.parentId(VOL, 'd1')];
  });
  assert.deepEqual(parents, ['d1', 'root']);
  assert.equal(db.db.inTransaction, false);
  assert.equal(store.get(VOL, 'f2'), undefined, 'the refused write changed nothing');
  store.upsert(VOL, entry('f2', 'd1', 'b.txt'));
  assert.equal(store.parentId(VOL, 'f2'), 'd1');
  // Inside a transaction of its own, the caller's: it joins it (writes stay the caller's to make).
  db.batch(() => {
    assert.equal(db.reading(() => store.parentId(VOL, 'f2')), 'd1');
    store.remove(VOL, 'f2');
  });
  assert.equal(store.get(VOL, 'f2'), undefined);
});
