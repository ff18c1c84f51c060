// DriveRemote against the Remote contract (src/vfs/remote.ts): entries, errors as VfsError codes.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { before, test } from 'node:test';
import { VfsError } from '../../src/core/errors.js';
import type { RemoteEntry } from '../../src/core/remote.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { collect } from '../../src/pds/paging.js';
import { randomFile, readAll, startPds } from './fixture.js';

const pds = await startPds();
let remote: DriveRemote;
let team: DriveRemote;

before(async () => {
  remote = new DriveRemote(pds.client, pds.driveId);
  team = new DriveRemote(pds.client, pds.account.team_drive_id);
});

const vfs = (code: string) => (e: unknown) => VfsError.is(e) && e.code === code;

async function put(parentId: string, name: string, text: string, opts = {}): Promise<RemoteEntry> {
  const data = Buffer.from(text);
  return remote.uploadStream(parentId, name, Readable.from([data]), data.length, opts);
}

test('identity and root', async () => {
  assert.equal(remote.volumeId, `drive:${pds.driveId}`);
  assert.equal(remote.rootId, 'root');
  assert.deepEqual(remote.capabilities, { readOnly: false, serverSideCopy: true, maxNameBytes: 1024, changeFeed: true });
  const root = await remote.get('root');
  assert.deepEqual([root.kind, root.id], ['dir', 'root']);
});

test('createDir, list and get map PDS objects to entries', async () => {
  const dir = await remote.createDir('root', 'rdir');
  assert.deepEqual([dir.kind, dir.name, dir.parentId, dir.size, dir.revision], ['dir', 'rdir', 'root', 0, '']);
  assert.ok(dir.ctime > 0 && dir.mtime > 0);
  await assert.rejects(remote.createDir('root', 'rdir'), vfs('EEXIST'));
  const f = await put(dir.id, 'a.txt', 'hello', { mtime: Date.UTC(2022, 1, 3) });
  assert.deepEqual([f.kind, f.size, f.mtime, f.parentId], ['file', 5, Date.UTC(2022, 1, 3), dir.id]);
  assert.equal(f.revision, f.contentHash);
  assert.match(f.contentHash ?? '', /^[0-9A-F]{40}$/);
  const listed = await collect(remote.list(dir.id));
  assert.deepEqual(listed.map((e) => e.name), ['a.txt']);
  assert.deepEqual(await remote.get(f.id), listed[0]);
  await assert.rejects(remote.get('nope'), vfs('ENOENT'));
  await assert.rejects(collect(remote.list('nope')), vfs('ENOENT'));
});

test('upload from a local file; openRange streams any byte range', async () => {
  const local = await randomFile(pds.tmp, 200_000);
  const entry = await remote.upload('root', 'big.bin', local.file, 200_000);
  assert.equal(entry.contentHash, local.sha1);
  const bytes = await fs.readFile(local.file);
  assert.ok((await readAll(await remote.openRange(entry, 0, entry.size - 1))).equals(bytes));
  assert.ok((await readAll(await remote.openRange(entry, 5, 9))).equals(bytes.subarray(5, 10)));
  // A range past the end is clipped to the size.
  assert.ok((await readAll(await remote.openRange(entry, 199_990, 500_000))).equals(bytes.subarray(199_990)));
  await assert.rejects(remote.upload('root', 'big.bin', local.file, 200_000), vfs('EEXIST'));
  const replaced = await remote.upload('root', 'big.bin', local.file, 100, { replaceId: entry.id });
  assert.deepEqual([replaced.id, replaced.size], [entry.id, 100]);
  await assert.rejects(remote.openRange({ id: 'gone', revision: '', size: 10 }, 0, 9), vfs('ENOENT'));
});

test('update renames (EEXIST when taken) and sets mtime', async () => {
  const a = await put('root', 'u1.txt', '1');
  await put('root', 'u2.txt', '2');
  const renamed = await remote.update(a.id, { name: 'u3.txt' });
  assert.equal(renamed.name, 'u3.txt');
  await assert.rejects(remote.update(a.id, { name: 'u2.txt' }), vfs('EEXIST'));
  const touched = await remote.update(a.id, { mtime: Date.UTC(2000, 0, 1) });
  assert.equal(touched.mtime, Date.UTC(2000, 0, 1));
  assert.equal(touched.name, 'u3.txt');
});

test('move: same parent renames, other parent moves with the new name, EEXIST on clash', async () => {
  const d1 = await remote.createDir('root', 'm1');
  const d2 = await remote.createDir('root', 'm2');
  const f = await put(d1.id, 'x.txt', 'x');
  const renamed = await remote.move(f.id, d1.id, 'y.txt');
  assert.deepEqual([renamed.parentId, renamed.name], [d1.id, 'y.txt']);
  const moved = await remote.move(f.id, d2.id, 'z.txt');
  assert.deepEqual([moved.id, moved.parentId, moved.name], [f.id, d2.id, 'z.txt']);
  const g = await put(d1.id, 'z.txt', 'other');
  await assert.rejects(remote.move(g.id, d2.id, 'z.txt'), vfs('EEXIST'));
  const dirMoved = await remote.move(d1.id, d2.id, 'm1-inside');
  assert.equal(dirMoved.parentId, d2.id);
  assert.deepEqual((await collect(remote.list(dirMoved.id))).map((e) => e.name), ['z.txt']);
});

test('copy: files and folders, into this drive or another DriveRemote', async () => {
  const src = await remote.createDir('root', 'c-src');
  const f = await put(src.id, 'c.txt', 'copy');
  const fileCopy = await remote.copy(f.id, 'root', 'c-copy.txt');
  assert.notEqual(fileCopy.id, f.id);
  assert.deepEqual([fileCopy.name, fileCopy.contentHash], ['c-copy.txt', f.contentHash]);
  const dirCopy = await remote.copy(src.id, 'root', 'c-team', team);
  assert.equal(dirCopy.kind, 'dir');
  assert.deepEqual((await collect(team.list(dirCopy.id))).map((e) => e.name), ['c.txt']);
  await assert.rejects(remote.copy('nope', 'root', 'x'), vfs('ENOENT'));
});

test('trash and delete', async () => {
  const a = await put('root', 't.txt', 't');
  await remote.trash(a.id);
  await assert.rejects(remote.get(a.id), (e: unknown) => VfsError.is(e) && (e.code === 'ENOENT' || e.code === 'EACCES'));
  const b = await put('root', 'd.txt', 'd');
  await remote.delete(b.id);
  await assert.rejects(remote.get(b.id), vfs('ENOENT'));
});

test('statfs reflects the drive quota', async () => {
  const s = await remote.statfs();
  assert.ok(s.total > 0);
  assert.ok(s.used > 0);
  assert.equal(s.free, Math.max(0, s.total - s.used));
});

test('change feed: latestCursor, then changes with entries', async () => {
  const cursor = await remote.latestCursor();
  const f = await put('root', 'feed.txt', 'f');
  await remote.update(f.id, { name: 'feed2.txt' });
  await remote.trash(f.id);
  const seen: { op: string; entry?: RemoteEntry }[] = [];
  let c = cursor;
  for (;;) {
    const page = await remote.changes(c);
    assert.ok(!page.expired);
    seen.push(...page.items.filter((i) => i.id === f.id));
    c = page.cursor;
    if (!page.hasMore) break;
  }
  assert.equal(seen[0]?.op, 'create');
  assert.equal(seen[0]?.entry?.name, 'feed.txt');
  assert.equal(seen.at(-1)?.op, 'trash');
});

test('change feed: a cursor the server will not continue from reads as expired', async () => {
  const alien = await team.latestCursor();
  assert.deepEqual(await remote.changes(alien), { expired: true });
});
