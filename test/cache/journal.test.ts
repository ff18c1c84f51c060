import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { Journal, type NewJournalRow } from '../../src/cache/metadata/journal.js';
import { JournalRedo } from '../../src/cache/metadata/journal-redo.js';
import { VfsError } from '../../src/core/errors.js';
import { killAfterReport } from './kill-after-report.js';
import { tempDir } from './temp-dir.js';

const VOL = 'drive:1';

function newRow(name: string, extra: Partial<NewJournalRow> = {}): NewJournalRow {
  return { volume: VOL, parentId: 'root', name, stagingPath: `/s/${name}`, size: 0, mtime: 1, sha1: null, state: 'open', replaceId: null, notBefore: 0, ...extra };
}

function openJournal(t: import('node:test').TestContext, file = path.join(tempDir(t), 'metadata.sqlite')) {
  const db = CacheDb.open(file);
  t.after(() => db.close());
  let clock = 1000;
  return { journal: new Journal(db, () => clock), db, file, tick: (ms: number) => (clock += ms) };
}

test('add, get, update, remove', (t) => {
  const { journal, tick } = openJournal(t);
  const base = { volume: VOL, fileId: 'old', revision: 'r1', size: 100, limit: 90, local: [[0, 10], [40, 50]] as [number, number][] };
  const row = journal.add(newRow('a.txt', { replaceId: 'old', base }));
  assert.equal(row.attempts, 0);
  assert.equal(row.session, null);
  assert.deepEqual(journal.get(row.id)!.base, base);
  assert.equal(row.createdAt, 1000);
  assert.deepEqual(journal.get(row.id), row);

  tick(50);
  const session = { fileId: 'f', uploadId: 'u', partSize: 10, partCount: 3 };
  const updated = journal.update(row.id, { state: 'uploading', size: 42, sha1: 'ABC', session, attempts: 1 });
  assert.equal(updated.updatedAt, 1050);
  assert.equal(updated.createdAt, 1000);
  assert.deepEqual(journal.get(row.id), updated);
  assert.deepEqual(journal.get(row.id)!.session, session);
  assert.equal(journal.update(row.id, { sha1: undefined }).sha1, 'ABC', 'undefined keeps the value');
  assert.equal(journal.update(row.id, { session: null, lastError: 'boom' }).session, null);

  journal.remove(row.id);
  assert.equal(journal.get(row.id), undefined);
  assert.throws(() => journal.update(row.id, { size: 1 }), (err) => VfsError.is(err, 'ENOENT'));
});

test('inDir and find match NFC and NFD and skip done rows', (t) => {
  const { journal } = openJournal(t);
  const a = journal.add(newRow('Cafe\u0301.txt'));
  journal.add(newRow('other', { parentId: 'dir2' }));
  const done = journal.add(newRow('done.txt'));
  journal.update(done.id, { state: 'done' });

  assert.equal(journal.find(VOL, 'root', 'Caf\u00e9.txt')!.id, a.id);
  assert.equal(journal.find(VOL, 'root', 'Cafe\u0301.txt')!.id, a.id);
  assert.equal(journal.find(VOL, 'root', 'done.txt'), undefined);
  assert.equal(journal.find('drive:2', 'root', 'Caf\u00e9.txt'), undefined);
  assert.deepEqual(journal.inDir(VOL, 'root').map((r) => r.id), [a.id]);

  const newer = journal.add(newRow('Caf\u00e9.txt'));
  assert.equal(journal.find(VOL, 'root', 'Cafe\u0301.txt')!.id, newer.id, 'the newest row wins');
});

test('pending is ordered by notBefore; failed and stats', (t) => {
  const { journal } = openJournal(t);
  const late = journal.add(newRow('late', { state: 'dirty', size: 10, notBefore: 300 }));
  const early = journal.add(newRow('early', { state: 'uploading', size: 5, notBefore: 100 }));
  journal.add(newRow('open', { size: 1000 }));
  const bad = journal.add(newRow('bad', { state: 'failed', size: 7 }));
  assert.deepEqual(journal.pending().map((r) => r.id), [early.id, late.id]);
  assert.deepEqual(journal.firstRows('failed', 10).map((r) => r.id), [bad.id]);
  assert.deepEqual(journal.stats(), { pendingFiles: 2, pendingBytes: 15, failedFiles: 1 });
});

test('stats follow every change, and a rolled-back change is not counted', (t) => {
  const { journal, db } = openJournal(t);
  const a = journal.add(newRow('a', { state: 'dirty', size: 10 }));
  assert.deepEqual(journal.stats(), { pendingFiles: 1, pendingBytes: 10, failedFiles: 0 });
  journal.update(a.id, { size: 25 });
  assert.deepEqual(journal.stats(), { pendingFiles: 1, pendingBytes: 25, failedFiles: 0 });
  const b = journal.add(newRow('b', { state: 'dirty', size: 5 }));
  journal.update(b.id, { state: 'failed' });
  assert.deepEqual(journal.stats(), { pendingFiles: 1, pendingBytes: 25, failedFiles: 1 });
  assert.throws(() =>
    db.db.transaction(() => {
      journal.update(a.id, { size: 1000 });
      assert.equal(journal.stats().pendingBytes, 1000, 'seen inside the transaction');
      throw new Error('roll back');
    })(),
  );
  assert.deepEqual(journal.stats(), { pendingFiles: 1, pendingBytes: 25, failedFiles: 1 });
  journal.remove(a.id);
  assert.deepEqual(journal.stats(), { pendingFiles: 0, pendingBytes: 0, failedFiles: 1 });
});

test('find, get and stats answer what the table holds after every change, a rolled-back batch and a caller changing its copy', (t) => {
  const { journal, db } = openJournal(t);
  // A journal with nothing kept: what the table holds now.
  const table = () => new Journal(db);
  const same = (id: number, parentId = 'root', name = 'a') => {
    assert.deepEqual(journal.get(id), table().get(id));
    assert.deepEqual(journal.find(VOL, parentId, name), table().find(VOL, parentId, name));
    assert.deepEqual(journal.stats(), table().stats());
  };
  const a = journal.add(newRow('a'));
  journal.add(newRow('b'));
  same(a.id);

  const copy = journal.find(VOL, 'root', 'a')!;
  copy.size = 999;
  journal.get(a.id)!.name = 'changed';
  same(a.id);

  journal.update(a.id, { state: 'dirty', size: 7, notBefore: 5000 });
  same(a.id);
  const b = journal.add(newRow('b2', { state: 'dirty', size: 3 }));
  journal.update(b.id, { state: 'uploading' });
  same(b.id, 'root', 'b2');
  journal.update(b.id, { state: 'failed', size: 4 });
  same(b.id, 'root', 'b2');
  journal.remove(b.id);
  same(b.id, 'root', 'b2');
  assert.throws(() => journal.update(b.id, { size: 1 }));
  same(a.id);

  assert.throws(() =>
    journal.batch(() => {
      journal.update(a.id, { size: 8 });
      assert.equal(journal.find(VOL, 'root', 'a')!.size, 8);
      assert.equal(journal.get(a.id)!.size, 8);
      throw new Error('roll back');
    }),
  );
  same(a.id);
  assert.equal(journal.get(a.id)!.size, 7);

  // A batch carries the stats it changes once it commits; one rolled back leaves them to the table.
  const c = journal.add(newRow('c', { state: 'dirty', size: 5 }));
  same(c.id, 'root', 'c');
  journal.batch(() => {
    journal.update(c.id, { state: 'uploading' });
    journal.add(newRow('d', { state: 'failed', size: 2 }));
    journal.remove(c.id);
  });
  same(c.id, 'root', 'c');
  assert.throws(() =>
    journal.batch(() => {
      journal.add(newRow('e', { state: 'dirty', size: 11 }));
      throw new Error('roll back');
    }),
  );
  same(a.id);

  journal.makeDue(2000);
  same(a.id);
  assert.equal(journal.get(a.id)!.notBefore, 0);

  journal.rekeyParent(VOL, 'root', 'folder');
  same(a.id);
  same(a.id, 'folder');
  assert.equal(journal.find(VOL, 'folder', 'a')!.id, a.id);

  journal.remove(a.id);
  same(a.id, 'folder');
  assert.equal(journal.get(a.id), undefined);

  // Two rows of one name: find answers the newer, through changes of either and renames.
  const x1 = journal.add(newRow('x'));
  same(x1.id, 'root', 'x');
  const x2 = journal.add(newRow('x'));
  same(x2.id, 'root', 'x');
  journal.update(x1.id, { size: 2 });
  same(x1.id, 'root', 'x');
  journal.update(x2.id, { name: 'y' });
  same(x2.id, 'root', 'x');
  same(x2.id, 'root', 'y');
  journal.update(x2.id, { name: 'x', parentId: 'folder' });
  same(x2.id, 'root', 'x');
  same(x2.id, 'folder', 'x');
  journal.update(x1.id, { state: 'done' });
  same(x1.id, 'root', 'x');
});

test('a change of one row keeps what was looked up of the others in memory', (t) => {
  const { journal, db } = openJournal(t);
  const a = journal.add(newRow('a'));
  const b = journal.add(newRow('b'));
  assert.equal(journal.get(b.id)!.name, 'b');
  assert.equal(journal.find(VOL, 'root', 'b')!.id, b.id);
  journal.update(a.id, { state: 'dirty', size: 1 });
  journal.batch(() => journal.update(a.id, { size: 2 }));
  // Gone behind the journal's back: only an answer from memory still shows it.
  db.db.prepare('DELETE FROM journal WHERE id = ?').run(b.id);
  assert.equal(journal.get(b.id)!.name, 'b');
  assert.equal(journal.find(VOL, 'root', 'b')!.id, b.id);
  assert.equal(journal.get(a.id)!.size, 2);
});

test('attributes of a row still open wait in memory for the commit that closes it, which writes them; once committed they are written at once', (t) => {
  const { journal, db } = openJournal(t);
  // Rows written: to SQLite, or to the redo file that SQLite catches up with (whose commits also
  // store the number of their last record).
  const total = db.db.prepare('SELECT total_changes()').pluck();
  const redo = JournalRedo.of(db);
  const changes = { get: () => (total.get() as number) + redo.appends - redo.committedRows - redo.commits };
  const table = () => new Journal(db);
  const a = journal.add(newRow('a', { userMeta: '{"m":1}' }));
  journal.find(VOL, 'root', 'a');
  const before = changes.get() as number;
  // rsync's fchmod of its new temporary file, and a utimens: nothing written, every read sees them.
  journal.update(a.id, { userMeta: '{"m":2}' });
  journal.update(a.id, { mtime: 7 });
  assert.equal(changes.get(), before, 'no row written');
  assert.equal(table().get(a.id)!.userMeta, '{"m":1}', 'the table holds the attributes of the add');
  for (const row of [journal.get(a.id), journal.find(VOL, 'root', 'a'), journal.inDir(VOL, 'root')[0], journal.openRows()[0]]) {
    assert.equal(row!.userMeta, '{"m":2}');
    assert.equal(row!.mtime, 7);
  }
  // What a fresh read of the table returns carries them too (the memo forgotten).
  journal.makeDue(0);
  assert.equal(journal.get(a.id)!.userMeta, '{"m":2}');

  // The close: one write, with the attributes kept back.
  journal.update(a.id, { state: 'dirty', size: 3 });
  assert.equal(changes.get(), before + 1, 'one row written');
  assert.deepEqual(table().get(a.id), journal.get(a.id));
  assert.equal(table().get(a.id)!.userMeta, '{"m":2}');
  assert.equal(table().get(a.id)!.mtime, 7);

  // Committed: a chmod is written before update returns (it survives kill -9).
  journal.update(a.id, { userMeta: '{"m":3}' });
  assert.equal(changes.get(), before + 2);
  assert.equal(table().get(a.id)!.userMeta, '{"m":3}');

  // A row removed while open leaves nothing kept behind.
  const b = journal.add(newRow('b'));
  journal.update(b.id, { mtime: 9 });
  journal.remove(b.id);
  assert.equal(journal.get(b.id), undefined);
  assert.equal(journal.find(VOL, 'root', 'b'), undefined);
});

test('find answers a name no row has without a query, and finds every name a row takes, through renames, removes and batches', (t) => {
  const { journal, db } = openJournal(t);
  const behindTheBack = (name: string) =>
    db.db
      .prepare("INSERT INTO journal (volume, parent_id, name, name_nfc, staging_path, size, mtime, state, attempts, not_before, created_at, updated_at) VALUES (?, 'root', ?, ?, '/s/x', 0, 1, 'dirty', 0, 0, 1, 1)")
      .run(VOL, name, name);
  const a = journal.add(newRow('a'));
  assert.equal(journal.find(VOL, 'root', 'nope'), undefined);
  // A row the journal did not write: a name it knows no row of is answered without asking the table.
  behindTheBack('ghost');
  assert.equal(journal.find(VOL, 'root', 'ghost'), undefined, 'answered from the keys kept');
  assert.equal(new Journal(db).find(VOL, 'root', 'ghost')?.name, 'ghost', 'a journal reading the table sees it');

  // Every name a row takes is found: added, renamed into, in another folder, NFD spelling.
  const b = journal.add(newRow('Cafe\u0301'));
  assert.equal(journal.find(VOL, 'root', 'Caf\u00e9')!.id, b.id);
  journal.update(a.id, { name: 'renamed', parentId: 'dir' });
  assert.equal(journal.find(VOL, 'dir', 'renamed')!.id, a.id);
  assert.equal(journal.find(VOL, 'root', 'a'), undefined);
  // A rolled-back batch gives nothing up; a committed one gives up what it removed.
  assert.throws(() =>
    journal.batch(() => {
      journal.remove(a.id);
      throw new Error('roll back');
    }),
  );
  assert.equal(journal.find(VOL, 'dir', 'renamed')!.id, a.id);
  journal.batch(() => journal.remove(a.id));
  assert.equal(journal.find(VOL, 'dir', 'renamed'), undefined);
  // Two rows of one name: the name stays found until both are gone.
  const c1 = journal.add(newRow('twin'));
  const c2 = journal.add(newRow('twin'));
  journal.remove(c2.id);
  assert.equal(journal.find(VOL, 'root', 'twin')!.id, c1.id);
  journal.remove(c1.id);
  assert.equal(journal.find(VOL, 'root', 'twin'), undefined);
  // A change inside another store's transaction drops the keys: they are read again after it.
  db.batch(() => journal.remove(b.id));
  behindTheBack('late');
  assert.equal(journal.find(VOL, 'root', 'late')?.name, 'late', 'read from the table again');
});

test('inDir answers a folder no row is in without a query, and lists every row of a folder through moves, removes and batches', (t) => {
  const { journal, db } = openJournal(t);
  const behindTheBack = (parentId: string) =>
    db.db
      .prepare("INSERT INTO journal (volume, parent_id, name, name_nfc, staging_path, size, mtime, state, attempts, not_before, created_at, updated_at) VALUES (?, ?, 'ghost', 'ghost', '/s/x', 0, 1, 'dirty', 0, 0, 1, 1)")
      .run(VOL, parentId);
  const names = (parentId: string) => journal.inDir(VOL, parentId).map((r) => r.name);
  const a = journal.add(newRow('a'));
  assert.deepEqual(names('elsewhere'), []);
  // A row the journal did not write, in a folder it knows no row in: answered from the keys kept.
  behindTheBack('elsewhere');
  assert.deepEqual(names('elsewhere'), [], 'answered from the keys kept');
  assert.deepEqual(new Journal(db).inDir(VOL, 'elsewhere').map((r) => r.name), ['ghost'], 'a journal reading the table sees it');
  // A folder keeps its rows found while any is in it: moved in, moved out, removed in a batch.
  assert.deepEqual(names('root'), ['a']);
  journal.update(a.id, { parentId: 'dir' });
  assert.deepEqual(names('dir'), ['a']);
  assert.deepEqual(names('root'), []);
  const b = journal.add(newRow('b', { parentId: 'dir' }));
  assert.deepEqual(names('dir'), ['a', 'b']);
  assert.throws(() =>
    journal.batch(() => {
      journal.remove(a.id);
      throw new Error('roll back');
    }),
  );
  assert.deepEqual(names('dir'), ['a', 'b']);
  journal.batch(() => journal.remove(a.id));
  assert.deepEqual(names('dir'), ['b']);
  journal.update(b.id, { state: 'done' });
  assert.deepEqual(names('dir'), [], 'a row done is in no folder');
  // A change inside another store's transaction drops the keys: they are read again after it.
  const c = journal.add(newRow('c'));
  db.batch(() => journal.remove(c.id));
  behindTheBack('late');
  assert.deepEqual(names('late'), ['ghost'], 'read from the table again');
});

test('stats of an empty journal are zero', (t) => {
  const { journal } = openJournal(t);
  assert.deepEqual(journal.stats(), { pendingFiles: 0, pendingBytes: 0, failedFiles: 0 });
});

test('rows survive reopen', (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const db = CacheDb.open(file);
  const row = new Journal(db).add(newRow('keep', { state: 'dirty', size: 9 }));
  db.close();
  const { journal } = openJournal(t, file);
  assert.equal(journal.get(row.id)!.name, 'keep');
  assert.equal(journal.pending().length, 1);
});

test('committed rows survive kill -9 of the writing process', async (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const ids = await killAfterReport<number[]>(t, 'journal-writer.ts', file);

  const { journal } = openJournal(t, file);
  assert.equal(ids.length, 20);
  ids.forEach((id, i) => {
    const row = journal.get(id);
    assert.ok(row, `row ${id} survived`);
    assert.equal(row.name, `file-${i}`);
    if (i % 2 === 0) {
      assert.equal(row.state, 'dirty');
      assert.equal(row.size, i * 100);
      assert.equal(row.session!.uploadId, `u${i}`);
    } else {
      assert.equal(row.state, 'open');
    }
  });
  assert.equal(journal.pending().length, 10);
});
