// An upload whose answer is lost just as the network goes (the local server does the request, its
// answer is lost, and then it falls silent; pdsfs marks PDS unreachable): when PDS is back, the
// write-back's next attempt must recognise the file its lost attempt made and leave one file, not
// keep its own upload beside itself as a conflict copy. A file of other content made at the name
// meanwhile is still a conflict, and both are kept.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { goOffline, goOnline, readFile, type StartedApp, startApp, writeFile } from '../helpers/app.js';
import { serverPut, serverTree, sha1 } from './offline-support.js';

let s: StartedApp;
before(async () => {
  s = await startApp({ drive: '1' });
});
after(() => s?.close());
// A test that failed midway leaves the server answering again for the next.
afterEach(() => goOnline(s));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 3000) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

/** The server's files below a folder of the root: path → content sha1. */
/** 'first half second half', its second half written first: the row gets no SHA-1 as it is written. */
async function writeOutOfOrder(path: string, create: boolean): Promise<void> {
  const h = await s.vfs.open(path, { read: false, write: true, create, truncate: true });
  await h.write(Buffer.from(' second half'), 10, 12);
  await h.write(Buffer.from('first half'), 0, 10);
  await h.release();
}

async function onServer(folder: string): Promise<Record<string, string>> {
  const tree = await serverTree(s.endpoint, s.account.access_token, s.account.drive_id);
  return Object.fromEntries(Object.entries(tree).filter(([p]) => p.startsWith(`/${folder}/`)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Goes online with the answer of the next `key` request armed to be lost, the network silent right
 * after it; once pdsfs has heard nothing more (its repeat is held by the silence), it is told PDS is
 * unreachable, its upload stops, and PDS comes back. Returns once everything is uploaded.
 */
async function uploadWithLostAnswer(key: string, whileOffline?: () => Promise<void>): Promise<void> {
  const fired = s.emu.faultsFired.lostAnswers;
  s.emu.loseAnswers(key, 1, { silentAfter: true });
  goOnline(s);
  await until('the answer was lost', () => s.emu.faultsFired.lostAnswers > fired);
  await until('the repeat waits in the silence', () => s.emu.silenced.now > 0);
  s.app.reachability.unreachable('ECONNREFUSED');
  await until('the upload stopped', () => s.admin.uploads(100).pending.every((r) => r.state === 'dirty'));
  await whileOffline?.();
  goOnline(s);
  await s.vfs.drain();
  await s.admin.pollNow();
}

async function names(dir: string): Promise<string[]> {
  return (await s.vfs.readdir(dir)).map((n) => n.name).sort();
}

test('a file written offline whose complete answer was lost is one file, not a conflict copy of itself', async () => {
  await s.vfs.mkdir('/complete');
  await s.vfs.drain();
  goOffline(s);
  const data = Buffer.from('written offline, completed once');
  await writeFile(s.vfs, '/complete/f.txt', data);
  await uploadWithLostAnswer('/v2/file/complete');
  assert.deepEqual(await onServer('complete'), { '/complete/f.txt': sha1(data) });
  assert.deepEqual(await names('/complete'), ['f.txt']);
  assert.equal(s.admin.status().pendingFiles, 0);
});

test('a file written offline out of order (its SHA-1 unknown) whose complete answer was lost is one file with its content', async () => {
  await s.vfs.mkdir('/unhashed');
  await s.vfs.drain();
  goOffline(s);
  await writeOutOfOrder('/unhashed/f.txt', true);
  await uploadWithLostAnswer('/v2/file/complete');
  assert.deepEqual(await onServer('unhashed'), { '/unhashed/f.txt': sha1(Buffer.from('first half second half')) });
  assert.deepEqual(await names('/unhashed'), ['f.txt']);
});

test('a file rewritten after its upload answer was lost replaces the file that upload made', async () => {
  await s.vfs.mkdir('/rewritten');
  await s.vfs.drain();
  goOffline(s);
  await writeFile(s.vfs, '/rewritten/f.txt', Buffer.from('first version'));
  const second = Buffer.from('second version, written after the lost answer');
  await uploadWithLostAnswer('/v2/file/complete', () => writeFile(s.vfs, '/rewritten/f.txt', second));
  assert.deepEqual(await onServer('rewritten'), { '/rewritten/f.txt': sha1(second) });
  assert.deepEqual(await names('/rewritten'), ['f.txt']);
});

test('a file written offline whose rapid upload answer was lost is one file, not a conflict copy of itself', async () => {
  await s.vfs.mkdir('/rapid');
  const data = Buffer.from('content the server already has');
  await writeFile(s.vfs, '/rapid/known.txt', data);
  await s.vfs.drain();
  goOffline(s);
  await writeFile(s.vfs, '/rapid/f.txt', data);
  await uploadWithLostAnswer('/v2/file/create');
  assert.deepEqual(await onServer('rapid'), { '/rapid/f.txt': sha1(data), '/rapid/known.txt': sha1(data) });
  assert.deepEqual(await names('/rapid'), ['f.txt', 'known.txt']);
});

test('a file overwritten offline whose complete answer was lost is one file with the new content', async () => {
  await s.vfs.mkdir('/overwrite');
  await writeFile(s.vfs, '/overwrite/f.txt', Buffer.from('before'));
  await s.vfs.drain();
  goOffline(s);
  const data = Buffer.from('overwritten offline');
  await writeFile(s.vfs, '/overwrite/f.txt', data);
  await uploadWithLostAnswer('/v2/file/complete');
  assert.deepEqual(await onServer('overwrite'), { '/overwrite/f.txt': sha1(data) });
  assert.deepEqual(await names('/overwrite'), ['f.txt']);
  assert.equal((await readFile(s.vfs, '/overwrite/f.txt')).toString(), data.toString());
});

test('a file overwritten offline out of order (its SHA-1 unknown) whose complete answer was lost is one file with the new content', async () => {
  await s.vfs.mkdir('/overwrite-unhashed');
  await writeFile(s.vfs, '/overwrite-unhashed/f.txt', Buffer.from('before'));
  await s.vfs.drain();
  goOffline(s);
  await writeOutOfOrder('/overwrite-unhashed/f.txt', false);
  await uploadWithLostAnswer('/v2/file/complete');
  assert.deepEqual(await onServer('overwrite-unhashed'), { '/overwrite-unhashed/f.txt': sha1(Buffer.from('first half second half')) });
  assert.deepEqual(await names('/overwrite-unhashed'), ['f.txt']);
});

test('a file written offline meets another file of other content at its name: both kept, ours as a conflict copy', async () => {
  await s.vfs.mkdir('/taken');
  await s.vfs.drain();
  const dirId = (await s.admin.locate('/taken')).id;
  goOffline(s);
  const mine = Buffer.from('mine, written offline');
  await writeFile(s.vfs, '/taken/f.txt', mine);
  s.emu.setFaults({ silent: 0 });
  await serverPut(s.endpoint, s.account.access_token, s.account.drive_id, dirId, 'f.txt', 'theirs');
  goOnline(s);
  await s.vfs.drain();
  const tree = await onServer('taken');
  assert.equal(tree['/taken/f.txt'], sha1(Buffer.from('theirs')));
  const copies = Object.entries(tree).filter(([p]) => p.includes('(conflict'));
  assert.deepEqual(copies.map(([, h]) => h), [sha1(mine)], 'ours kept beside theirs');
});
