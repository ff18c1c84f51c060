// A small file's upload makes one trip through libuv's thread pool, the deletion of its staging file
// (an unlink waits for pages still being written back; those of uploads landing together are handed
// over together, so that most do not wake a pool thread): its part is read on the main thread (each
// trip cost that thread 20–55 µs on the test VM, more than the read itself). Counted as the
// file-system requests the main thread hands to the pool while the queue drains (async_hooks sees
// each one made); the upload is still byte for byte, and the staging file goes only once the
// upload's end is committed.
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { StagingFiles } from '../../src/cache/staging/staging-files.js';
import { type StartedApp, readFile, startApp, writeFile } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';

let s: StartedApp;
before(async () => {
  s = await startApp({ drive: '1', writeBackMs: 3_600_000 });
});
after(() => s?.close());

const POOL_REQUESTS = new Set(['FSREQCALLBACK', 'FSREQPROMISE']);

/** The file-system requests handed to libuv's pool by this thread while `work` runs. */
async function poolTrips(work: () => Promise<void>): Promise<number> {
  let trips = 0;
  const hook = createHook({
    init(_id, type) {
      if (POOL_REQUESTS.has(type)) trips++;
    },
  }).enable();
  try {
    await work();
  } finally {
    hook.disable();
  }
  return trips;
}

test('a small file uploads with one trip through the thread pool (its staging file\'s deletion), byte for byte; each staging file goes once its end is committed', async () => {
  const files = Array.from({ length: 6 }, (_, i) => ({ path: `/trips/f${i}.bin`, data: Buffer.alloc(1000 + i * 20_000, i + 1) }));
  await s.vfs.mkdir('/trips');
  for (const f of files) await writeFile(s.vfs, f.path, f.data);
  const staged = s.admin.uploads(100).pending.map((row) => row.stagingPath);
  assert.equal(staged.length, files.length);
  // The writers' closes finish in the background, and the staging files made ahead with them.
  await new Promise((r) => setTimeout(r, 200));
  // What another connection sees of the journal when each staging file goes: its row must be gone.
  const db = new Database(path.join(s.app.cacheDir, 'metadata.sqlite'), { readonly: true });
  const rowsOf = db.prepare('SELECT count(*) AS n FROM journal WHERE staging_path = ?');
  const remove = StagingFiles.prototype.remove;
  const committedAtRemoval: number[] = [];
  StagingFiles.prototype.remove = function (this: StagingFiles, file: string) {
    committedAtRemoval.push((rowsOf.get(file) as { n: number }).n);
    return remove.call(this, file);
  };
  let trips: number;
  try {
    // The staging files go a little after their uploads, several at once (StagingFiles.removeSoon).
    trips = await poolTrips(async () => {
      await s.vfs.drain();
      await eventually(() => staged.every((p) => !fs.existsSync(p)), 'the staging files are deleted');
    });
  } finally {
    StagingFiles.prototype.remove = remove;
    db.close();
  }
  assert.equal(s.admin.status().pendingFiles, 0, 'all uploaded');
  assert.equal(trips, files.length, `file-system requests through the pool while ${files.length} files uploaded`);
  assert.deepEqual(committedAtRemoval, files.map(() => 0), 'each staging file went after its row\'s removal was committed');
  for (const f of files) assert.deepEqual(await readFile(s.vfs, f.path), f.data, `${f.path} reads back as written`);
});
