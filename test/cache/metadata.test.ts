// The metadata store over the cache database: listings, lookups, pages of children, upserts and removals, cursors, and what a folder made offline is known by once it has its PDS id.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { MetadataStore } from '../../src/cache/metadata/nodes.js';
import { Journal } from '../../src/cache/metadata/journal.js';
import { OpLog } from '../../src/cache/metadata/ops.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/cache/metadata/schema.js';
import { tempDir } from './temp-dir.js';
import { entry, openStore, VOL } from './store-fixture.js';

test('replaceListing then listing and lookup; NFC and NFD spellings match', (t) => {
  const { store } = openStore(t);
  const nfd = 'Cafe\u0301.txt';
  const nfc = 'Caf\u00e9.txt';
  store.replaceListing(VOL, 'root', [entry('a', 'root', nfd, { contentHash: 'ABC' }), entry('b', 'root', 'b.txt'), entry('d', 'root', 'dir', { kind: 'dir', size: 0, revision: '' })], 5000);

  const listing = store.listing(VOL, 'root');
  assert.ok(listing);
  assert.equal(listing.fetchedAt, 5000);
  assert.equal(listing.complete, true);
  assert.deepEqual(listing.entries.map((e) => e.id).sort(), ['a', 'b', 'd']);

  const byNfc = store.lookup(VOL, 'root', nfc);
  assert.equal(byNfc.length, 1);
  assert.equal(byNfc[0]!.id, 'a');
  assert.equal(byNfc[0]!.name, nfd, 'the stored spelling is kept');
  assert.equal(byNfc[0]!.contentHash, 'ABC');
  assert.equal(store.lookup(VOL, 'root', nfd)[0]!.id, 'a');
  assert.deepEqual(store.lookup(VOL, 'root', 'nope'), []);
  assert.equal(store.lookup('drive:2', 'root', nfc).length, 0, 'volumes are separate');
  assert.equal(store.listing(VOL, 'd'), undefined, 'never listed');
  assert.equal(store.get(VOL, 'b')!.contentHash, undefined);
});

test('duplicate sibling names are all returned by lookup', (t) => {
  const { store } = openStore(t);
  store.replaceListing(VOL, 'root', [entry('x1', 'root', 'same'), entry('x2', 'root', 'same')], 1);
  assert.deepEqual(store.lookup(VOL, 'root', 'same').map((e) => e.id), ['x1', 'x2']);
});

test('replacing a listing drops vanished children with their subtrees', (t) => {
  const { store } = openStore(t);
  store.replaceListing(VOL, 'root', [entry('d', 'root', 'd', { kind: 'dir' }), entry('f', 'root', 'f')], 1);
  store.replaceListing(VOL, 'd', [entry('d2', 'd', 'd2', { kind: 'dir' })], 1);
  store.replaceListing(VOL, 'd2', [entry('deep', 'd2', 'deep')], 1);
  store.replaceListing(VOL, 'root', [entry('f', 'root', 'f', { size: 10 })], 2);
  assert.equal(store.get(VOL, 'd'), undefined);
  assert.equal(store.get(VOL, 'deep'), undefined);
  assert.equal(store.listing(VOL, 'd2'), undefined);
  assert.equal(store.get(VOL, 'f')!.size, 10);
  assert.equal(store.listing(VOL, 'root')!.entries.length, 1);
});

test('upsert shows at once; remove drops the subtree', (t) => {
  const { store } = openStore(t);
  store.replaceListing(VOL, 'root', [], 1);
  store.upsert(VOL, entry('n', 'root', 'new', { kind: 'dir' }));
  assert.equal(store.listing(VOL, 'root')!.entries[0]!.id, 'n');
  store.replaceListing(VOL, 'n', [entry('c', 'n', 'child')], 2);
  store.remove(VOL, 'n');
  assert.equal(store.get(VOL, 'n'), undefined);
  assert.equal(store.get(VOL, 'c'), undefined);
  assert.equal(store.listing(VOL, 'n'), undefined);
  assert.equal(store.listing(VOL, 'root')!.entries.length, 0);
});

test('a lookup asked again with no row written or removed since is answered without a query; any write, and a lookup inside a transaction, read the table', (t) => {
  const { store, db } = openStore(t);
  store.replaceListing(VOL, 'root', [entry('a', 'root', 'a.txt')], 1);
  const names = (name: string) => store.lookup(VOL, 'root', name).map((e) => e.id);
  const behindTheBack = (id: string, name: string) =>
    db.db.prepare("INSERT INTO nodes (volume, id, parent_id, name_nfc, kind, size, mtime, ctime, revision, listed_at) VALUES (?, ?, 'root', ?, 'file', 1, 1, 1, 'r', 1)").run(VOL, id, name);
  assert.deepEqual(names('ghost'), []);
  // A row the store did not write: the answer kept since the last write stands.
  behindTheBack('g', 'ghost');
  assert.deepEqual(names('ghost'), [], 'answered from the lookups kept');
  store.upsert(VOL, entry('b', 'root', 'b.txt'));
  assert.deepEqual(names('ghost'), ['g'], 'a write through the store: read again');
  // Inside a transaction the answer is not kept (its rows could still be rolled back).
  assert.throws(() =>
    db.batch(() => {
      store.upsert(VOL, entry('c', 'root', 'c.txt'));
      assert.deepEqual(names('c.txt'), ['c']);
      throw new Error('roll back');
    }),
  );
  assert.deepEqual(names('c.txt'), [], 'the rolled-back row is not found');
  store.remove(VOL, 'a');
  assert.deepEqual(names('a.txt'), []);
});

test('upsert moves an entry to its new parent', (t) => {
  const { store } = openStore(t);
  store.replaceListing(VOL, 'root', [entry('f', 'root', 'f'), entry('d', 'root', 'd', { kind: 'dir' })], 1);
  store.replaceListing(VOL, 'd', [], 1);
  store.upsert(VOL, entry('f', 'd', 'g'));
  assert.deepEqual(store.listing(VOL, 'root')!.entries.map((e) => e.id), ['d']);
  assert.deepEqual(store.lookup(VOL, 'd', 'g').map((e) => e.id), ['f']);
});

test('invalidateListing and invalidateVolume keep entries but mark listings stale', (t) => {
  const { store } = openStore(t);
  store.replaceListing(VOL, 'root', [entry('a', 'root', 'a')], 500);
  store.replaceListing(VOL, 'x', [entry('b', 'x', 'b')], 500);
  store.replaceListing('drive:2', 'root', [entry('c', 'root', 'c')], 500);
  store.invalidateListing(VOL, 'root');
  assert.equal(store.listing(VOL, 'root')!.fetchedAt, 0);
  assert.equal(store.listing(VOL, 'root')!.entries.length, 1);
  assert.equal(store.listing(VOL, 'x')!.fetchedAt, 500);
  store.invalidateVolume(VOL);
  assert.equal(store.listing(VOL, 'x')!.fetchedAt, 0);
  assert.equal(store.listing('drive:2', 'root')!.fetchedAt, 500);
});

test('cursor per volume', (t) => {
  const { store } = openStore(t);
  assert.equal(store.getCursor(VOL), undefined);
  store.setCursor(VOL, 'c1');
  store.setCursor(VOL, 'c2');
  store.setCursor('drive:2', 'other');
  assert.equal(store.getCursor(VOL), 'c2');
  assert.equal(store.getCursor('drive:2'), 'other');
});

test('listings and cursors persist across reopen', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'metadata.sqlite');
  const first = CacheDb.open(file);
  const a = new MetadataStore(first);
  a.replaceListing(VOL, 'root', [entry('a', 'root', 'a.txt', { contentHash: 'H' })], 1234);
  a.setCursor(VOL, 'cur');
  first.close();

  const second = CacheDb.open(file);
  t.after(() => second.close());
  const b = new MetadataStore(second);
  const listing = b.listing(VOL, 'root')!;
  assert.equal(listing.fetchedAt, 1234);
  assert.deepEqual(listing.entries, [{ volume: VOL, id: 'a', parentId: 'root', name: 'a.txt', kind: 'file', size: 3, mtime: 1000, ctime: 900, revision: 'rev-a', contentHash: 'H' }]);
  assert.equal(b.getCursor(VOL), 'cur');
});

test('a listing of 10,000 entries is replaced and read back', (t) => {
  const { store } = openStore(t);
  const many = Array.from({ length: 10_000 }, (_, i) => entry(`id${i}`, 'big', `name-${i}`));
  store.replaceListing(VOL, 'big', many, 1);
  store.replaceListing(VOL, 'big', many.slice(0, 5000), 2);
  const listing = store.listing(VOL, 'big')!;
  assert.equal(listing.entries.length, 5000);
  assert.equal(store.lookup(VOL, 'big', 'name-4999')[0]!.id, 'id4999');
  assert.equal(store.get(VOL, 'id5000'), undefined);
});

test('children pages: keyset order by name, siblings sharing a name never split across pages', (t) => {
  const { store } = openStore(t);
  const names = ['a', 'b', 'c', 'c', 'c', 'd', 'e'];
  store.replaceListing(VOL, 'root', names.map((n, i) => entry(`id${i}`, 'root', n)), 1);
  const pages = [...store.childPages(VOL, 'root', 3)].map((p) => p.map((e) => e.name));
  // The second page starts at the first "c" and takes all three.
  assert.deepEqual(pages, [['a', 'b', 'c', 'c', 'c'], ['d', 'e']]);
  assert.equal(store.meter.rowsHeld, 0);
  assert.equal(store.meter.peakRowsHeld, 5);
});

test('children pages: a folder of up to a page is read in one page query, a longer one cut at the page size', (t) => {
  const { store } = openStore(t);
  store.replaceListing(VOL, 'full', ['a', 'b', 'c'].map((n, i) => entry(`f${i}`, 'full', n)), 1);
  store.replaceListing(VOL, 'more', ['a', 'b', 'c', 'd'].map((n, i) => entry(`m${i}`, 'more', n)), 1);
  const before = store.meter.pages;
  assert.deepEqual([...store.childPages(VOL, 'full', 3)].map((p) => p.map((e) => e.name)), [['a', 'b', 'c']]);
  assert.equal(store.meter.pages - before, 1, 'no second query finding nothing');
  assert.deepEqual([...store.childPages(VOL, 'more', 3)].map((p) => p.map((e) => e.name)), [['a', 'b', 'c'], ['d']]);
  assert.equal(store.meter.pages - before, 3);
});

test('a listing stored page by page drops what it did not see, but keeps what was written since it began', (t) => {
  const { store } = openStore(t);
  store.replaceListing(VOL, 'root', [entry('old', 'root', 'old'), entry('kept', 'root', 'kept')], 1);
  const began = Date.now();
  store.storeListingPage(VOL, 'root', [entry('kept', 'root', 'kept', { size: 9 })], began);
  store.upsert(VOL, entry('mine', 'root', 'mine')); // an own write while the listing runs
  store.storeListingPage(VOL, 'root', [entry('new', 'root', 'new')], began);
  store.finishListing(VOL, 'root', began);
  assert.deepEqual(store.listing(VOL, 'root')!.entries.map((e) => e.id), ['kept', 'mine', 'new']);
  assert.equal(store.get(VOL, 'kept')!.size, 9);
  assert.equal(store.listingState(VOL, 'root')!.fetchedAt, began);
});

test('listing writes queued in one turn of the event loop commit together at its end; any other write commits them first', async (t) => {
  const { store } = openStore(t);
  const commits = store.meter.turnCommits;
  const at = Date.now();
  // Three one-page listings arriving in the same turn, each with its end.
  const stored = ['a', 'b', 'c'].map((dir) => {
    store.afterTurn(() => store.storeListingPage(VOL, dir, [entry(`${dir}1`, dir, 'x'), entry(`${dir}2`, dir, 'y')], at));
    return store.afterTurn(() => store.finishListing(VOL, dir, at));
  });
  assert.equal(store.listingState(VOL, 'a'), undefined, 'nothing committed before the turn ends');
  await Promise.all(stored);
  assert.equal(store.meter.turnCommits - commits, 1, 'one transaction for the three listings');
  for (const dir of ['a', 'b', 'c']) {
    assert.deepEqual(store.listing(VOL, dir)!.entries.map((e) => e.id), [`${dir}1`, `${dir}2`]);
    assert.equal(store.listingState(VOL, dir)!.complete, true);
  }

  // An own write made while a page waits lands after it, not under it.
  const page = store.afterTurn(() => store.storeListingPage(VOL, 'a', [entry('a1', 'a', 'x', { size: 1 })], at));
  store.upsert(VOL, entry('a1', 'a', 'renamed', { size: 2 }));
  await page;
  assert.deepEqual(store.listing(VOL, 'a')!.entries.map((e) => [e.name, e.size]), [['renamed', 2], ['y', 3]]);
  assert.equal(store.meter.turnCommits - commits, 2);

  // A failed commit is told to every write of its turn.
  const failing = store.afterTurn(() => store.storeListingPage(VOL, 'd', [entry('d1', 'd', 'x')], at));
  const alongside = store.afterTurn(() => {
    throw new Error('disk full');
  });
  await assert.rejects(failing, /disk full/);
  await assert.rejects(alongside, /disk full/);
  assert.equal(store.get(VOL, 'd1'), undefined, 'rolled back together');
});

test('a version 3 cache keeps its nodes, their POSIX attributes and its listings through the migration to listing order', (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const raw = new Database(file);
  for (const migration of MIGRATIONS.slice(0, 3)) raw.exec(migration);
  raw.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (3)');
  // user_meta as the mount writes it (src/vfs/posix-attrs.ts), with another tool's key beside it.
  const fileMeta =
    '{"other":"kept","pdsfs.posix":{"mode":33184,"uid":1000,"gid":100,"rdev":0,"atime":"1700000000.123456789","mtime":"1700000001.000000001","ctime":"1700000002.000000000"}}';
  const fifoMeta = '{"pdsfs.posix":{"mode":4480,"uid":0,"gid":0,"rdev":0,"atime":"1.000000000","mtime":"2.000000000","ctime":"3.000000000"}}';
  const insert = raw.prepare(
    `INSERT INTO nodes (volume, id, parent_id, name, name_nfc, kind, size, mtime, ctime, revision, content_hash, user_meta)
     VALUES ('drive:1', ?, 'root', ?, ?, 'file', 3, 1, 1, 'R', ?, ?)`,
  );
  insert.run('F1', 'Cafe\u0301', 'Caf\u00e9', 'H', fileMeta);
  insert.run('F2', 'pipe', 'pipe', null, fifoMeta);
  insert.run('F3', 'plain', 'plain', null, null);
  raw.prepare("INSERT INTO listings (volume, dir_id, fetched_at, complete) VALUES ('drive:1', 'root', 7, 1)").run();
  raw.close();

  const db = CacheDb.open(file);
  t.after(() => db.close());
  assert.equal(db.version, SCHEMA_VERSION);
  const store = new MetadataStore(db);
  assert.deepEqual(store.listing(VOL, 'root')!.entries.map((e) => e.id), ['F1', 'F2', 'F3'], 'no row lost');
  const f1 = store.get(VOL, 'F1')!;
  assert.equal(f1.name, 'Cafe\u0301', 'the name as stored, not its NFC key');
  assert.equal(f1.contentHash, 'H');
  assert.equal(f1.userMeta, fileMeta, 'POSIX attributes and other keys kept');
  assert.deepEqual(store.lookup(VOL, 'root', 'Caf\u00e9').map((e) => e.id), ['F1']);
  assert.equal(store.lookup(VOL, 'root', 'pipe')[0]!.userMeta, fifoMeta, 'read by the keyset lookup too');
  assert.deepEqual([...store.childPages(VOL, 'root', 100)].flat().map((e) => e.userMeta), [fileMeta, fifoMeta, undefined]);
  // Migration 6 (read_only) marks every listing to be fetched again: the rows stay.
  assert.deepEqual(store.listingState(VOL, 'root'), { fetchedAt: 0, complete: true });
  assert.equal(f1.readOnly, undefined);
});

test('readOnly (the server lets the user only read an entry) is kept by upsert, listings and lookups', (t) => {
  const { store } = openStore(t);
  store.replaceListing(VOL, 'root', [entry('ro', 'root', 'ro', { kind: 'dir', readOnly: true }), entry('rw', 'root', 'rw')], 1);
  assert.equal(store.get(VOL, 'ro')!.readOnly, true);
  assert.equal(store.lookup(VOL, 'root', 'ro')[0]!.readOnly, true);
  assert.deepEqual([...store.childPages(VOL, 'root', 10)].flat().map((e) => e.readOnly), [true, undefined]);
  store.upsert(VOL, entry('ro', 'root', 'ro', { kind: 'dir' }));
  assert.equal(store.get(VOL, 'ro')!.readOnly, undefined, 'a later answer without the flag clears it');
});

test('user_meta is written and read back by upsert, listing pages and lookups', (t) => {
  const { store } = openStore(t);
  const meta = '{"pdsfs.posix":{"mode":16877,"uid":1,"gid":2,"rdev":0,"atime":"1.000000000","mtime":"2.000000000","ctime":"3.000000000"}}';
  store.replaceListing(VOL, 'root', [entry('d', 'root', 'dir', { kind: 'dir', userMeta: meta }), entry('f', 'root', 'file')], 1);
  store.upsert(VOL, entry('g', 'root', 'g', { userMeta: '{"x":1}' }));
  assert.equal(store.lookup(VOL, 'root', 'dir')[0]!.userMeta, meta);
  assert.deepEqual([...store.childPages(VOL, 'root', 2)].flat().map((e) => e.userMeta), [meta, undefined, '{"x":1}']);
  assert.equal(store.get(VOL, 'g')!.userMeta, '{"x":1}');
});

test('a folder made offline that was given its PDS id: what is written later naming its local id names the PDS id, in the nodes, the journal and the op log', (t) => {
  const { db, store } = openStore(t);
  const journal = new Journal(db);
  const ops = new OpLog(db);
  const made = ops.add({ volume: VOL, kind: 'mkdir', nodeId: 'local:x', parentId: 'root', name: 'x' });
  store.upsert(VOL, { ...entry('local:x', 'root', 'x'), kind: 'dir' });
  // The replay made it on PDS (replay.ts does these in one transaction).
  db.batch(() => {
    store.rekey(VOL, 'local:x', 'real-x', false);
    journal.rekeyParent(VOL, 'local:x', 'real-x');
    ops.rekey(VOL, 'local:x', 'real-x');
  });
  ops.done(made.id);
  // Operations that held the local id since write now.
  store.upsert(VOL, entry('f1', 'local:x', 'a.txt'));
  store.upsert(VOL, { ...entry('local:x', 'root', 'renamed'), kind: 'dir' });
  assert.deepEqual(store.lookup(VOL, 'real-x', 'a.txt').map((e) => e.id), ['f1']);
  assert.equal(store.get(VOL, 'real-x')!.name, 'renamed');
  assert.equal(store.get(VOL, 'local:x'), undefined, 'no second folder under the old id');
  const row = journal.add({ volume: VOL, parentId: 'local:x', name: 'b.txt', stagingPath: '/s/b', size: 0, mtime: 1, sha1: null, state: 'open', replaceId: null, notBefore: 0 });
  assert.equal(row.parentId, 'real-x');
  const other = journal.add({ volume: VOL, parentId: 'root', name: 'c.txt', stagingPath: '/s/c', size: 0, mtime: 1, sha1: null, state: 'open', replaceId: null, notBefore: 0 });
  assert.equal(journal.update(other.id, { parentId: 'local:x' }).parentId, 'real-x');
  assert.deepEqual(journal.inDir(VOL, 'real-x').map((r) => r.name), ['b.txt', 'c.txt']);
  const moved = ops.add({ volume: VOL, kind: 'move', nodeId: 'local:x', parentId: 'local:x', name: 'y' });
  assert.equal(moved.nodeId, 'real-x');
  assert.equal(moved.parentId, 'real-x');
  assert.equal(ops.currentId('local:x'), 'real-x');
  // A local id not given one yet (its folder still waits) is written as it is.
  assert.equal(journal.add({ volume: VOL, parentId: 'local:z', name: 'd.txt', stagingPath: '/s/d', size: 0, mtime: 1, sha1: null, state: 'open', replaceId: null, notBefore: 0 }).parentId, 'local:z');
});

test('the op log keeps its pending changes in memory as SQLite has them: a change handed out keeps its values, a rolled-back transaction is undone there too', (t) => {
  const { db } = openStore(t);
  const ops = new OpLog(db);
  const made = ops.add({ volume: VOL, kind: 'mkdir', nodeId: 'local:x', parentId: 'root', name: 'x' });
  const meta = ops.add({ volume: VOL, kind: 'meta', nodeId: 'local:x', mtime: 5 });
  // The replay reads the change's local id after it gave the folder its PDS id (replay.ts, mkdir).
  ops.rekey(VOL, 'local:x', 'real-x');
  ops.failedAttempt(meta.id, 'EIO: once');
  assert.equal(made.nodeId, 'local:x');
  assert.equal(meta.attempts, 0);
  assert.deepEqual(ops.pending().map((o) => [o.nodeId, o.attempts]), [['real-x', 0], ['real-x', 1]]);
  const fresh = new OpLog(db).pending();
  assert.deepEqual(ops.pending(), fresh, 'the mirror is what SQLite holds');
  assert.throws(() => db.batch(() => {
    ops.done(made.id);
    ops.add({ volume: VOL, kind: 'remove', nodeId: 'real-x' });
    throw new Error('rolled back');
  }));
  assert.deepEqual(ops.pending(), fresh);
  assert.equal(ops.counts().pending, 2);
  assert.equal(ops.firstPendingId(), made.id);
  assert.equal(ops.lastPendingId(), meta.id);
  const later = ops.add({ volume: VOL, kind: 'meta', nodeId: 'real-x', mtime: 6 });
  assert.equal(ops.lastPendingId(), later.id);
  ops.settle(later.id, 'lost', 'gone');
  assert.equal(ops.lastPendingId(), meta.id, 'the newest again once the newest left');
  ops.done(meta.id);
  ops.done(made.id);
  assert.equal(ops.lastPendingId(), 0);
});

test('journal rows an earlier pdsfs left under a local folder id that has its PDS id move to that id as the cache opens', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'metadata.sqlite');
  const db = CacheDb.open(file);
  const journal = new Journal(db);
  const ops = new OpLog(db);
  const row = journal.add({ volume: VOL, parentId: 'local:x', name: 'a.txt', stagingPath: '/s/a', size: 0, mtime: 1, sha1: null, state: 'dirty', replaceId: null, notBefore: 0 });
  const waiting = journal.add({ volume: VOL, parentId: 'local:z', name: 'b.txt', stagingPath: '/s/b', size: 0, mtime: 1, sha1: null, state: 'dirty', replaceId: null, notBefore: 0 });
  // The folder got its PDS id, but (as before this rule) the row was not moved with it.
  ops.rekey(VOL, 'local:x', 'real-x');
  assert.equal(journal.get(row.id)!.parentId, 'local:x');
  db.close();
  const again = CacheDb.open(file);
  t.after(() => again.close());
  const reopened = new Journal(again);
  assert.equal(reopened.get(row.id)!.parentId, 'real-x');
  assert.deepEqual(reopened.inDir(VOL, 'real-x').map((r) => r.name), ['a.txt']);
  assert.equal(reopened.get(waiting.id)!.parentId, 'local:z', 'a folder still waiting for its replay keeps its local id');
});
