// WebDAV MOVE, DELETE (of a tree) and a restore out of trash/ against a local server that answers every
// move, trash, delete and restore with an async task applied a little later: the answers come once
// the change is visible, and pdsfs polled every task.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type FileStat, type WebDAVClient } from 'webdav';
import { PASSWORD, serve, type Served, USER } from './harness.js';

let served: Served;
let client: WebDAVClient;
const names = async (p: string) => ((await client.getDirectoryContents(p)) as FileStat[]).map((s) => s.basename).sort();

before(async () => {
  served = await serve({}, {}, { faults: { asyncRate: 1, asyncDelayMs: 100 } });
  client = createClient(served.url, { username: USER, password: PASSWORD });
});
after(() => served?.close());

test('MOVE, DELETE of a tree and MOVE out of trash/ behave as without tasks', async () => {
  const d = served.drivePath;
  await client.createDirectory(`${d}/a`);
  await client.createDirectory(`${d}/b`);
  await client.createDirectory(`${d}/a/inner`);
  await client.putFileContents(`${d}/a/inner/f.txt`, 'f');

  await client.moveFile(`${d}/a/inner`, `${d}/b/moved`);
  assert.deepEqual(await names(`${d}/a`), []);
  assert.deepEqual(await names(`${d}/b`), ['moved']);
  assert.equal(await client.getFileContents(`${d}/b/moved/f.txt`, { format: 'text' }), 'f');

  await client.deleteFile(`${d}/b`);
  assert.deepEqual(await names(d), ['a']);
  await client.createDirectory(`${d}/b`);
  assert.deepEqual(await names(d), ['a', 'b']);

  const trash = served.drivePath.replace(/^\/drives\//, '/trash/');
  assert.ok((await names(trash)).includes('b'));
  await client.moveFile(`${trash}/b`, `${d}/b-restored`);
  assert.deepEqual(await names(d), ['a', 'b', 'b-restored']);

  const stats = served.started.emu.stats;
  // A move across folders, the trash of b and its restore (the rename after it is a file/update).
  assert.ok(stats.asyncTasks >= 3, `tasks: ${stats.asyncTasks}`);
  assert.ok((stats.requests['/v2/async_task/get'] ?? 0) >= stats.asyncTasks, 'every task was polled');
});
