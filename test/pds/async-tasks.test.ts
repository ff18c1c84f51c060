// DriveRemote against a local server that answers every move, trash, delete and restore with an async
// task applied a little later: each call returns only once its change is visible.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { collect } from '../../src/pds/paging.js';
import { startPds } from './fixture.js';

const pds = await startPds({ faults: { asyncRate: 1, asyncDelayMs: 100 } });
const remote = new DriveRemote(pds.client, pds.driveId);
const names = async (dir: string) => (await collect(remote.list(dir))).map((e) => e.name).sort();
const put = (dir: string, name: string, text: string) => remote.uploadStream(dir, name, Readable.from([Buffer.from(text)]), Buffer.byteLength(text));

test('move then list, delete then create the same name, trash a folder then list, restore', async () => {
  const a = await remote.createDir('root', 'a');
  const b = await remote.createDir('root', 'b');
  const f = await put(a.id, 'f.txt', 'one');

  const moved = await remote.move(f.id, b.id, 'g.txt');
  assert.deepEqual([moved.name, moved.parentId], ['g.txt', b.id]);
  assert.deepEqual(await names(a.id), []);
  assert.deepEqual(await names(b.id), ['g.txt']);

  await remote.delete(f.id);
  assert.deepEqual(await names(b.id), []);
  const again = await put(b.id, 'g.txt', 'two');
  assert.equal(again.size, 3);

  await put(a.id, 'inner.txt', 'x');
  await remote.trash(a.id);
  assert.deepEqual(await names('root'), ['b']);
  assert.deepEqual((await remote.trashed()).map((e) => e.name), ['a']);

  await remote.restore(a.id);
  assert.deepEqual(await names('root'), ['a', 'b']);
  assert.deepEqual(await names(a.id), ['inner.txt']);

  // Each of the four calls was answered with a task, and pdsfs polled every one of them.
  assert.equal(pds.emu.stats.asyncTasks, 4);
  assert.ok((pds.emu.stats.requests['/v2/async_task/get'] ?? 0) >= 4);
});
