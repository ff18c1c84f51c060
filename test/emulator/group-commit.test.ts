// The local server's group commit (store/sql.ts): the transactions of one turn of the event loop
// share one COMMIT, a failing one undoes only its own changes, nothing is visible to another
// connection (or reported) before that COMMIT, and answered uploads survive kill -9 of the server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openDb } from '../../src/emulator/store/db.js';
import { Sql } from '../../src/emulator/store/sql.js';
import { pds, startEmulator } from '../helpers/emulator.js';
import { emulatorProcess, readFile, tempDir, uploadFile } from './support.js';

test('the transactions of one turn share one commit; a failing one undoes only itself; others see them once committed', async (t) => {
  const dir = await tempDir(t, 'pdsfs-emu-group-');
  const db = openDb(dir);
  t.after(() => db.close());
  let commits = 0;
  const sql = new Sql(db, () => commits++);
  const reader = new Database(path.join(dir, 'pds.sqlite'), { readonly: true });
  t.after(() => reader.close());
  const keys = () => reader.prepare("SELECT key FROM meta WHERE key LIKE 'g-%' ORDER BY key").pluck().all();
  const put = (key: string) => sql.run('INSERT INTO meta (key, value) VALUES (?, ?)', key, 'v');

  sql.tx(() => put('g-a'));
  assert.throws(() => sql.tx(() => {
    put('g-b');
    throw new Error('refused');
  }), /refused/);
  sql.tx(() => put('g-c'));
  // This connection sees its own changes at once; another, and any answer, only after the commit.
  assert.equal(sql.get<{ n: number }>("SELECT count(*) AS n FROM meta WHERE key LIKE 'g-%'")?.n, 2);
  assert.deepEqual(keys(), []);
  assert.equal(commits, 0);
  await sql.committed();
  assert.equal(commits, 1);
  assert.deepEqual(keys(), ['g-a', 'g-c']);

  // The next turn's transaction is a group of its own; flush() commits it at once.
  sql.tx(() => put('g-d'));
  const done = sql.committed();
  sql.flush();
  assert.equal(commits, 2);
  assert.deepEqual(keys(), ['g-a', 'g-c', 'g-d']);
  await done;
  // Nothing open: committed() is settled already, and no COMMIT follows.
  await sql.committed();
  await new Promise((r) => setImmediate(r));
  assert.equal(commits, 2);
});

test('a small-file upload takes at most three commits, a file/update one', async (t) => {
  const e = await startEmulator();
  t.after(() => e.close());
  const before = e.emu.stats.commits;
  const f = await uploadFile(e, 'root', 'one.bin', randomBytes(3000));
  assert.ok(e.emu.stats.commits - before <= 3, `${e.emu.stats.commits - before} commits`);
  const mid = e.emu.stats.commits;
  const u = await pds(e.endpoint, e.account.access_token, 'file/update', { drive_id: e.account.drive_id, file_id: f.file_id, local_modified_at: new Date(1_700_000_000_000).toISOString() });
  assert.equal(u.status, 200, JSON.stringify(u.body));
  assert.equal(e.emu.stats.commits - mid, 1);
});

test('uploads answered together survive kill -9 of the server right after the last answer', async (t) => {
  const dataDir = await tempDir(t, 'pdsfs-emu-group-');
  const server = await emulatorProcess(t, dataDir);
  const data = Array.from({ length: 8 }, (_, i) => randomBytes(1000 + i * 997));
  const files = await Promise.all(data.map((d, i) => uploadFile(server.started, 'root', `f${i}.bin`, d)));
  await server.kill9();
  const e = await startEmulator({ dataDir });
  t.after(() => e.close());
  for (const [i, f] of files.entries()) assert.ok((await readFile(e, f.file_id)).equals(data[i]!));
});
