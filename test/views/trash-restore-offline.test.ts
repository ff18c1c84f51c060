// Restoring from trash/ (a move out of it) is a change made on the server by id: it needs PDS, and it
// comes after the namespace changes still waiting for their replay, as every change does. So a folder
// made offline is a place to restore into once PDS is back: the restore waits for the replay, which
// gives the folder its PDS id. While PDS is unreachable it fails at once and changes nothing.
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { VfsError } from '../../src/core/errors.js';
import { goOffline, goOnline, readFile, startApp, writeFile } from '../helpers/app.js';
import { whileReplayHeld } from '../helpers/replay-held.js';
import { serverTree, sha1 } from '../vfs/offline-support.js';

const s = await startApp();
after(() => s.close());

const DRIVE = '/drives/My Drive';
const BIN = '/trash/My Drive';
const names = async (p: string) => (await s.vfs.readdir(p)).map((n) => n.name).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => goOnline(s));

/** A file of My Drive, uploaded, then deleted: an entry of trash/. */
async function trashed(name: string, text: string): Promise<void> {
  await writeFile(s.vfs, `${DRIVE}/${name}`, Buffer.from(text));
  await s.vfs.drain();
  await s.vfs.remove(`${DRIVE}/${name}`);
  assert.ok((await names(BIN)).includes(name));
}

/** The server's tree below a folder of My Drive: path → "dir" or the content's sha1. */
async function onServer(folder: string): Promise<Record<string, string>> {
  const tree = await serverTree(s.endpoint, s.account.access_token, s.account.drive_id);
  return Object.fromEntries(Object.entries(tree).filter(([p]) => p === `/${folder}` || p.startsWith(`/${folder}/`)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

test('a trash entry moved into a folder made offline, while the folder waits for its replay, lands there once the folder is on PDS', async () => {
  await trashed('r.txt', 'restored into a new folder');
  await s.vfs.readdir(DRIVE);
  goOffline(s);
  await s.vfs.mkdir(`${DRIVE}/made-offline`);
  await whileReplayHeld(s, 'createDir', (_parent, name) => name === 'made-offline', () => s.vfs.rename(`${BIN}/r.txt`, `${DRIVE}/made-offline/r.txt`));
  assert.equal((await readFile(s.vfs, `${DRIVE}/made-offline/r.txt`)).toString(), 'restored into a new folder');
  assert.ok(!(await names(BIN)).includes('r.txt'), 'out of the recycle bin');
  await s.vfs.drain();
  assert.deepEqual(await onServer('made-offline'), { '/made-offline': 'dir', '/made-offline/r.txt': sha1('restored into a new folder') });
});

test('a trash entry moved to the name of a file whose delete waits for its replay lands there after that delete, not beside it', async () => {
  await trashed('q.txt', 'the one restored');
  await s.vfs.mkdir(`${DRIVE}/q-dir`);
  await writeFile(s.vfs, `${DRIVE}/q-dir/q.txt`, Buffer.from('the one deleted offline'));
  await s.vfs.drain();
  const { id: deleted } = await s.admin.locate(`${DRIVE}/q-dir/q.txt`);
  goOffline(s);
  await s.vfs.remove(`${DRIVE}/q-dir/q.txt`);
  await whileReplayHeld(s, 'trash', (id) => id === deleted, () => s.vfs.rename(`${BIN}/q.txt`, `${DRIVE}/q-dir/q.txt`));
  assert.deepEqual(await names(`${DRIVE}/q-dir`), ['q.txt']);
  assert.equal((await readFile(s.vfs, `${DRIVE}/q-dir/q.txt`)).toString(), 'the one restored');
  await s.vfs.drain();
  assert.deepEqual(await onServer('q-dir'), { '/q-dir': 'dir', '/q-dir/q.txt': sha1('the one restored') });
});

test('while PDS is unreachable, a move out of trash/ into a folder made offline fails at once and changes nothing', async () => {
  await trashed('o.txt', 'stays in the bin');
  await s.vfs.readdir(DRIVE);
  goOffline(s);
  await s.vfs.mkdir(`${DRIVE}/o-dir`);
  await assert.rejects(s.vfs.rename(`${BIN}/o.txt`, `${DRIVE}/o-dir/o.txt`), (e: unknown) => VfsError.is(e, 'EHOSTDOWN'));
  assert.deepEqual(await names(`${DRIVE}/o-dir`), []);
  goOnline(s);
  while (s.admin.offline().changes.pending > 0) await sleep(20);
  assert.ok((await names(BIN)).includes('o.txt'), 'still in the recycle bin');
  assert.deepEqual(await onServer('o-dir'), { '/o-dir': 'dir' });
});

test('a move out of trash/ into a folder made offline, PDS going away again before the folder is on it, fails and changes nothing', async () => {
  await trashed('l.txt', 'stays in the bin too');
  await s.vfs.readdir(DRIVE);
  goOffline(s);
  await s.vfs.mkdir(`${DRIVE}/l-dir`);
  const moving = whileReplayHeld(s, 'createDir', (_parent, name) => name === 'l-dir', () => s.vfs.rename(`${BIN}/l.txt`, `${DRIVE}/l-dir/l.txt`), true);
  await assert.rejects(moving, (e: unknown) => VfsError.is(e, 'EHOSTDOWN') && /restoring from trash\/ needs PDS/.test((e as Error).message));
  assert.deepEqual(await names(`${DRIVE}/l-dir`), []);
  goOnline(s);
  while (s.admin.offline().changes.pending > 0) await sleep(20);
  assert.ok((await names(BIN)).includes('l.txt'), 'still in the recycle bin');
  assert.deepEqual(await onServer('l-dir'), { '/l-dir': 'dir' });
});
