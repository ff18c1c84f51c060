// An upload is cancelled when a rename, copy or delete takes over its file. A request that makes the
// file on the server (file/complete) may already be on its way then: the server makes the file whether
// or not the client still listens. Found by test/fuse/random-ops at a faster pace: a rename over such
// a file failed with EEXIST, and a file deleted that way came back from the server.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createApp } from '../../src/app.js';
import { defaultAppOptions } from '../helpers/app-options.js';
import { pds, whileAnswerOnItsWay } from '../helpers/emulator.js';
import { readFile, type StartedApp, startApp, writeFile } from '../helpers/app.js';

let s: StartedApp;
before(async () => {
  s = await startApp({ drive: '1' });
});
after(() => s?.close());

/**
 * Writes `name` and returns once the server has made it, while its file/complete answer is still on
 * its way (answers crawl at 512 B/s until then): that is when the rename or delete comes.
 */
async function uploadUntilCompleted(name: string, data: Buffer): Promise<void> {
  let written!: Promise<void>;
  await whileAnswerOnItsWay(s.emu, '/v2/file/complete', () => (written = writeFile(s.vfs, name, data)), 512);
  await written;
}

/** Names in the drive's recycle bin: where the file made by the cancelled upload went. */
async function trashed(): Promise<string[]> {
  const { body } = await pds<{ items: { name: string }[] }>(s.endpoint, s.account.access_token, 'recyclebin/list', { drive_id: '1', limit: 100 });
  return body.items.map((i) => i.name);
}

/** The folder as the server has it, read by a second pdsfs on a fresh cache. */
async function onServer(folder: string): Promise<Map<string, string>> {
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-cache-'));
  const other = await createApp({ ...defaultAppOptions(s.endpoint, s.account.access_token, cacheDir), drive: '1' });
  try {
    const names = (await other.vfs.readdir(folder)).map((e) => e.name).sort();
    return new Map(await Promise.all(names.map(async (n) => [n, (await readFile(other.vfs, `${folder}/${n}`)).toString()] as const)));
  } finally {
    await other.close();
    await fs.rm(cacheDir, { recursive: true, force: true, maxRetries: 5 });
  }
}

test('a rename over a file whose upload is completing replaces it', async () => {
  await s.vfs.mkdir('/over');
  await writeFile(s.vfs, '/over/a', Buffer.from('the renamed file'));
  await s.vfs.drain();
  await uploadUntilCompleted('/over/b', Buffer.from('the file replaced'));
  await s.vfs.rename('/over/a', '/over/b');
  await s.vfs.drain();
  assert.equal((await readFile(s.vfs, '/over/b')).toString(), 'the renamed file');
  assert.deepEqual(await onServer('/over'), new Map([['b', 'the renamed file']]));
  assert.ok((await trashed()).includes('b'), 'the upload being cancelled made its file on the server');
});

test('a file deleted while its upload is completing stays deleted on the server', async () => {
  await s.vfs.mkdir('/gone');
  await uploadUntilCompleted('/gone/c', Buffer.from('deleted at once'));
  await s.vfs.remove('/gone/c');
  await s.vfs.drain();
  await assert.rejects(s.vfs.stat('/gone/c'), { code: 'ENOENT' });
  assert.deepEqual(await onServer('/gone'), new Map());
  assert.ok((await trashed()).includes('c'), 'the upload being cancelled made its file on the server');
});
