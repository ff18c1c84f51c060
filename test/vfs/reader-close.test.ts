// A reader's close leaves the upload queue alone: only a writer's close can let an upload start (the
// write-back waits for no one but writers), and rsync opens every file it wrote once more, read-only,
// to chmod it. Counted as the write-back's reads of its queue (the statement better-sqlite3 runs).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { startApp, writeFile } from '../helpers/app.js';

/** Counts the runs of statements whose SQL includes `sql`, in every better-sqlite3 database of this process. */
function countRuns(sql: string): () => number {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as { iterate: (...a: unknown[]) => unknown };
  probe.close();
  const iterate = proto.iterate;
  let n = 0;
  proto.iterate = function (this: { source: string }, ...a: unknown[]) {
    if (this.source.includes(sql)) n++;
    return iterate.apply(this, a);
  };
  after(() => (proto.iterate = iterate));
  return () => n;
}

test("a reader's close does not look at the upload queue; a writer's does", async () => {
  const queueReads = countRuns("WHERE state = 'dirty' ORDER BY not_before");
  const s = await startApp({ writeBackMs: 3_600_000 });
  after(() => s.close());
  const file = `/drives/${s.app.volumes[0]!.dirName}/written.txt`;
  await writeFile(s.vfs, file, Buffer.from('pending'));
  await turn();

  const before = queueReads();
  const reader = await s.vfs.open(file, { read: true, write: false });
  await reader.release();
  await turn();
  assert.equal(queueReads(), before, 'no look at the queue after a reader closed');

  const writer = await s.vfs.open(file, { read: false, write: true });
  await writer.release();
  await turn();
  assert.equal(queueReads(), before + 1, "one after a writer's close");
});
