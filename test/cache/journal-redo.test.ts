// The journal's redo file: changes made outside a transaction are acknowledged by one append and
// reach SQLite in batches; they survive kill -9 before their batch, a torn last record is ignored,
// replay is idempotent, and reads see what is held as if it were committed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { Journal, type NewJournalRow } from '../../src/cache/metadata/journal.js';
import { JournalRedo } from '../../src/cache/metadata/journal-redo.js';
import { killAfterReport } from './kill-after-report.js';
import { tempDir } from './temp-dir.js';

const VOL = 'drive:1';

function newRow(name: string, extra: Partial<NewJournalRow> = {}): NewJournalRow {
  return { volume: VOL, parentId: 'root', name, stagingPath: `/s/${name}`, size: 0, mtime: 1, sha1: null, state: 'open', replaceId: null, notBefore: 0, ...extra };
}

function open(t: import('node:test').TestContext, file: string) {
  const db = CacheDb.open(file);
  t.after(() => db.close());
  return { db, journal: new Journal(db), redo: JournalRedo.of(db) };
}

/** Rows in the table itself, read by a connection of its own (no redo replayed). */
function tableRows(file: string): { id: number; name: string; state: string }[] {
  const raw = new Database(file);
  try {
    return raw.prepare('SELECT id, name, state FROM journal ORDER BY id').all() as { id: number; name: string; state: string }[];
  } finally {
    raw.close();
  }
}

/** What rsync's file costs the journal: create, close, utimens, chmod, rename. */
function rsyncFile(journal: Journal, i: number): number {
  const row = journal.add(newRow(`.f${i}.tmp`));
  journal.update(row.id, { state: 'dirty', size: i, sha1: `S${i}` });
  journal.update(row.id, { mtime: 7 });
  journal.update(row.id, { userMeta: '{"mode":420}' });
  journal.update(row.id, { name: `f${i}` });
  return row.id;
}

test('changes acknowledged and then killed with SIGKILL before their batch reached SQLite are there after reopen', async (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const { ids, appends, commits } = await killAfterReport<{ ids: number[]; appends: number; commits: number }>(t, 'journal-redo-writer.ts', file);
  assert.equal(commits, 0, 'nothing was committed to SQLite by the writer');
  assert.equal(appends, 20 * 5 + 7, 'one append per change');
  assert.deepEqual(tableRows(file), [], 'the table has none of them');

  const { journal } = open(t, file);
  ids.forEach((id, i) => {
    const row = journal.get(id);
    if (i % 3 === 0) return assert.equal(row, undefined, `row ${id} stays deleted`);
    assert.ok(row, `row ${id} survived`);
    assert.deepEqual([row.name, row.state, row.size, row.sha1, row.mtime, row.userMeta], [`file-${i}`, 'dirty', i * 100, `SHA${i}`, 1000 + i, `{"mode":${i}}`]);
  });
  assert.equal(journal.pending().length, 13);
  assert.equal(tableRows(file).length, 13, 'replayed into the table');
  assert.equal(fs.statSync(`${file}-redo`).size, 0, 'and the file emptied');
  // A new row never takes the id of one replayed.
  assert.ok(journal.add(newRow('new')).id > Math.max(...ids));
});

test('a status reads the first rows waiting, held ones among them, without committing what is held', (t) => {
  const { db, journal, redo } = open(t, path.join(tempDir(t), 'metadata.sqlite'));
  // Five rows committed to the table, then five held for the redo file (changes made outside a transaction).
  db.batch(() => {
    for (let i = 0; i < 5; i++) journal.add(newRow(`table-${i}`, { state: 'dirty', notBefore: 100 + i * 10 }));
  });
  const committed = redo.commits;
  const held = [0, 1, 2, 3, 4].map((i) => journal.add(newRow(`held-${i}`, { state: 'dirty', notBefore: 105 + i * 10 })));
  journal.update(held[4]!.id, { state: 'uploading' });
  journal.add(newRow('held-failed', { state: 'failed' }));
  assert.equal(redo.held.size, 6, 'the later rows are held, not in the table');

  assert.deepEqual(journal.firstRows('pending', 4).map((r) => r.name), ['held-4', 'table-0', 'held-0', 'table-1'], 'uploading first, then soonest due, held and committed rows merged');
  assert.deepEqual(journal.firstRows('failed', 4).map((r) => r.name), ['held-failed']);
  assert.equal(journal.firstRows('pending', 100).length, 10);
  assert.equal(redo.commits, committed, 'reading them committed nothing');
  assert.equal(redo.held.size, 6);
});

/** The redo file of three rsync'd files, written by a journal that never committed them. */
function recordedRedo(t: import('node:test').TestContext): string {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const db = CacheDb.open(file);
  const journal = new Journal(db);
  for (let i = 0; i < 3; i++) journal.add(newRow(`r${i}`, { state: 'dirty', size: i }));
  const text = fs.readFileSync(`${file}-redo`, 'utf8');
  db.close();
  return text;
}

test('a torn last record, and everything from a record that does not parse, is ignored', (t) => {
  const lines = recordedRedo(t).split('\n');
  assert.equal(lines.length, 4, 'three records, each ending in a newline');
  for (const [name, tail, expected] of [
    ['torn', lines[2]!.slice(0, 25), ['r0', 'r1']],
    ['garbage', `${'\0'.repeat(40)}\n${lines[2]}\n`, ['r0', 'r1']],
  ] as const) {
    const file = path.join(tempDir(t), `${name}.sqlite`);
    CacheDb.open(file).close();
    fs.writeFileSync(`${file}-redo`, `${lines[0]}\n${lines[1]}\n${tail}`);
    const { journal } = open(t, file);
    assert.deepEqual(journal.pending().map((r) => r.name), expected, name);
  }
});

test('replay is idempotent: a record applied twice, or over the table that has it, changes nothing', (t) => {
  const text = recordedRedo(t);
  const file = path.join(tempDir(t), 'metadata.sqlite');
  CacheDb.open(file).close();
  fs.writeFileSync(`${file}-redo`, text + text);
  let db = CacheDb.open(file);
  const first = new Journal(db).pending();
  assert.deepEqual(first.map((r) => r.name), ['r0', 'r1', 'r2']);
  db.close();
  // Killed after the batch reached SQLite and before the file was emptied: the same records again.
  fs.writeFileSync(`${file}-redo`, text);
  db = CacheDb.open(file);
  t.after(() => db.close());
  assert.deepEqual(new Journal(db).pending(), first);
});

test('records committed already are not applied again: a file whose cut was lost cannot undo a later change', (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  let db = CacheDb.open(file);
  let journal = new Journal(db);
  const x = journal.add(newRow('x', { state: 'dirty', size: 1 }));
  const text = fs.readFileSync(`${file}-redo`, 'utf8');
  // The upload ends: the row goes in a transaction of its own, after the held insert is committed.
  db.batch(() => journal.remove(x.id));
  db.close();
  fs.writeFileSync(`${file}-redo`, text);
  db = CacheDb.open(file);
  t.after(() => db.close());
  journal = new Journal(db);
  assert.equal(journal.get(x.id), undefined);
  assert.deepEqual(journal.pending(), []);
});

test("an rsync'd file's create, close, utimens, chmod and rename are five appends and no SQLite commit; a hundred files reach SQLite in one", (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const { db, journal, redo } = open(t, file);
  const changes = db.db.prepare('SELECT total_changes()').pluck();
  const before = changes.get() as number;
  const ids = Array.from({ length: 100 }, (_, i) => rsyncFile(journal, i));
  assert.equal(changes.get(), before, 'nothing written to SQLite yet');
  assert.equal(redo.appends, 500);
  assert.equal(redo.commits, 0);
  redo.commit();
  assert.equal(redo.commits, 1, 'one transaction');
  assert.equal(changes.get(), before + 100 + 1, 'one row written per file, and the number of the last record');
  assert.equal(fs.statSync(`${file}-redo`).size, 0);
  assert.deepEqual(tableRows(file).map((r) => r.name), ids.map((_, i) => `f${i}`));
});

test('reads see held changes as the table would once they are committed', (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const { db, journal, redo } = open(t, file);
  const answers = () => ({
    get: [1, 2, 3, 4, 5, 6, 7, 8].map((id) => journal.get(id)),
    find: ['a', 'b', 'moved', 'twin', 'c', 'pair', 'solo'].map((n) => journal.find(VOL, 'root', n)),
    inDir: journal.inDir(VOL, 'root'),
    folder: journal.inDir(VOL, 'dir'),
    hasRows: journal.hasRows(),
  });
  // In the table: a, b, twin (1), c.
  const a = journal.add(newRow('a', { state: 'dirty', size: 1 }));
  const b = journal.add(newRow('b'));
  journal.add(newRow('twin'));
  const c = journal.add(newRow('c'));
  const p1 = journal.add(newRow('pair'));
  const p2 = journal.add(newRow('pair'));
  redo.commit();
  // The name keys are read (a read of the whole table commits what is held first).
  journal.find(VOL, 'root', 'none');
  // Held: b renamed, a moved to another folder, a newer twin, c deleted.
  journal.update(b.id, { name: 'moved' });
  journal.update(a.id, { parentId: 'dir' });
  journal.add(newRow('twin', { size: 9 }));
  journal.remove(c.id);
  journal.update(p2.id, { name: 'solo' });
  assert.equal(redo.held.size, 5);
  const held = answers();
  assert.equal(redo.held.size, 5, 'the reads committed nothing');
  assert.equal(held.find[3]!.size, 9, 'the newest twin is the held one');
  assert.equal(held.find[1], undefined, 'b is held under another name');
  assert.equal(held.get[c.id - 1], undefined, 'c is held deleted');
  // The table's newest 'pair' is held under another name: the one before it answers.
  assert.equal(held.find[5]!.id, p1.id);
  assert.equal(held.find[6]!.id, p2.id);
  redo.commit();
  assert.equal(redo.held.size, 0);
  assert.deepEqual(answers(), held);
  assert.deepEqual(new Journal(db).inDir(VOL, 'root'), held.inDir);
  assert.deepEqual(held.inDir.map((r) => r.name), ['moved', 'twin', 'pair', 'solo', 'twin']);
  assert.deepEqual(held.folder.map((r) => r.name), ['a']);
});

test("a transaction, durable() and close commit what is held first", async (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const { db, journal, redo } = open(t, file);
  const row = journal.add(newRow('x'));
  // A transaction that changes the row: the held insert goes first, then its change, in order.
  db.batch(() => journal.update(row.id, { state: 'dirty', size: 4 }));
  assert.equal(redo.held.size, 0);
  assert.deepEqual(tableRows(file), [{ id: row.id, name: 'x', state: 'dirty' }]);

  journal.update(row.id, { name: 'y' });
  const syncs = db.walSyncs;
  await journal.durable();
  assert.equal(db.walSyncs, syncs + 1);
  assert.equal(redo.held.size, 0);
  assert.deepEqual(tableRows(file).map((r) => r.name), ['y']);

  journal.update(row.id, { name: 'z' });
  db.close();
  assert.deepEqual(tableRows(file).map((r) => r.name), ['z']);
  assert.equal(fs.statSync(`${file}-redo`).size, 0);
});

test('a transaction carries what is held: one commit for both, and held again if it rolls back', (t) => {
  const file = path.join(tempDir(t), 'metadata.sqlite');
  const { db, journal, redo } = open(t, file);
  const row = journal.add(newRow('x', { state: 'dirty', size: 1 }));
  journal.update(row.id, { state: 'uploading' });
  assert.throws(() => db.batch(() => {
    assert.equal(journal.get(row.id)?.state, 'uploading', 'read from the table inside the transaction');
    journal.remove(row.id);
    throw new Error('refused');
  }), /refused/);
  assert.equal(redo.held.size, 1, 'held again');
  assert.equal(redo.commits, 0);
  assert.deepEqual(tableRows(file), [], 'nothing reached the table');
  assert.ok(fs.statSync(`${file}-redo`).size > 0, 'the file keeps the records');
  assert.equal(journal.get(row.id)?.state, 'uploading');

  // An upload's end: the held rows and its own change, one transaction.
  db.batch(() => journal.remove(row.id));
  assert.equal(redo.commits, 1, 'one commit');
  assert.equal(redo.held.size, 0);
  assert.deepEqual(tableRows(file), []);
  assert.equal(fs.statSync(`${file}-redo`).size, 0);
  assert.equal(journal.get(row.id), undefined);
});
