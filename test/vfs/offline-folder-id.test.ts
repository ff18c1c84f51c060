// A folder made while changes wait in the op log has a local id until its turn comes; the replay
// then moves it, and the rows waiting in it, to its PDS id. A file being created in it at that
// moment must land under the id its folder has when the file's row is written, or no lookup finds it
// (rsync's fchmod right after its create failed with ENOENT).
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { StagingFiles } from '../../src/cache/staging/staging-files.js';
import { VfsError } from '../../src/core/errors.js';
import { DirCache } from '../../src/vfs/dir-cache.js';
import { goOffline, goOnline, readFile, type StartedApp, startApp, writeFile } from '../helpers/app.js';
import { holdFirstCall } from '../helpers/replay-held.js';
import { serverPut, serverTree, sha1 } from './offline-support.js';

let s: StartedApp;
before(async () => {
  s = await startApp({ drive: '1' });
});
after(() => s?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a file created while its folder gets its PDS id is found, and uploaded, under that id', async () => {
  const { vfs } = s;
  await vfs.mkdir('/slow');
  await vfs.drain();
  const t = Date.UTC(2020, 1, 2, 3, 4, 5);
  const makeOpen = StagingFiles.prototype.createOpen;
  let reached = false;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  s.emu.setFaults({ latencyMs: 300 });
  try {
    // An update waits in the op log, so the folder is made locally, queued behind it.
    await vfs.setMtime('/slow', t);
    await vfs.mkdir('/slow/new');
    assert.ok(s.admin.offline().changes.pending > 0, 'the folder waits for its turn');
    // The create has resolved the folder (local id) and waits for its staging file until the replay has moved the folder.
    StagingFiles.prototype.createOpen = async function (this: StagingFiles) {
      const file = await makeOpen.call(this);
      reached = true;
      await gate;
      return file;
    };
    const opening = vfs.open('/slow/new/f.txt', { read: false, write: true, create: true, truncate: false });
    while (s.admin.offline().changes.pending > 0) await sleep(20);
    assert.ok(reached, 'the create was waiting when the folder got its PDS id');
    release();
    const handle = await opening;
    StagingFiles.prototype.createOpen = makeOpen;
    // What rsync does right after its create: a change of the new file by its path.
    await vfs.setAttrs('/slow/new/f.txt', { mode: 0o100600, uid: 0, gid: 0, rdev: 0, atime: 0n, mtime: 0n, ctime: 0n });
    const data = Buffer.from('made while its folder was moved');
    await handle.write(data, 0, data.length);
    await handle.release();
    await vfs.setMtime('/slow/new/f.txt', t);
    assert.equal((await vfs.stat('/slow/new/f.txt')).mtime, t);
  } finally {
    StagingFiles.prototype.createOpen = makeOpen;
    release();
    s.emu.setFaults({ latencyMs: 0 });
  }
  await vfs.drain();
  assert.deepEqual((await vfs.readdir('/slow/new')).map((e) => e.name), ['f.txt']);
  assert.equal(s.admin.status().pendingFiles, 0, 'uploaded');
});

// ---- the other operations that look a folder up, wait, then write under its id ----

const names = (nodes: { name: string }[]) => nodes.map((n) => n.name).sort();

// A test that failed midway leaves the server answering again for the next.
afterEach(() => goOnline(s));

/**
 * Everything waiting is on the server, and the change feed has been read since: a feed answer from
 * before a change replayed may come in after it and show the older state for a moment.
 */
async function drained(): Promise<void> {
  await s.vfs.drain();
  await s.admin.pollNow();
}

/** The server's tree below a folder of the drive's root: path → "dir" or the content's sha1. */
async function onServer(folder: string): Promise<Record<string, string>> {
  const tree = await serverTree(s.endpoint, s.account.access_token, s.account.drive_id);
  return Object.fromEntries(Object.entries(tree).filter(([p]) => p === `/${folder}` || p.startsWith(`/${folder}/`)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Runs `op` (started offline, after it looked its folder up) held in `method` of `proto`, at the
 * first call `when` picks, until PDS is back and the op log is replayed: the folders made offline
 * have their PDS ids when the op goes on to write. `meanwhile` runs then (online); `offlineAfter`:
 * PDS is unreachable again when the op goes on, so its own change is queued rather than sent.
 */
async function heldAcrossReplay<T>(
  proto: object,
  method: string,
  op: () => Promise<T>,
  o: { when?: (...args: unknown[]) => boolean; meanwhile?: () => Promise<void>; offlineAfter?: boolean } = {},
): Promise<T> {
  const hold = holdFirstCall(proto, method, { ...(o.when ? { when: o.when } : {}), after: true });
  try {
    assert.ok(s.admin.offline().changes.pending > 0, 'the folder waits for its turn');
    const running = op();
    await Promise.race([hold.reached, running]);
    assert.ok(hold.held, 'the op waits in its step');
    goOnline(s);
    while (s.admin.offline().changes.pending > 0) await sleep(20);
    await o.meanwhile?.();
    if (o.offlineAfter) goOffline(s);
    hold.release();
    return await running;
  } finally {
    hold.restore();
  }
}

test('a file renamed over another in a folder made offline while the folder gets its PDS id is found there (rsync: temporary file, then rename)', async () => {
  const { vfs } = s;
  await vfs.readdir('/');
  goOffline(s);
  await vfs.mkdir('/a-dir');
  await writeFile(vfs, '/a-dir/f.txt', Buffer.from('old'));
  await writeFile(vfs, '/a-dir/.f.txt.tmp', Buffer.from('new content'));
  // The rename drops the row it replaces, and waits for its staging file to go.
  await heldAcrossReplay(StagingFiles.prototype, 'remove', () => vfs.rename('/a-dir/.f.txt.tmp', '/a-dir/f.txt'));
  assert.equal((await vfs.stat('/a-dir/f.txt')).size, 11);
  assert.deepEqual(names(await vfs.readdir('/a-dir')), ['f.txt']);
  await drained();
  assert.equal((await readFile(vfs, '/a-dir/f.txt')).toString(), 'new content');
  assert.deepEqual(await onServer('a-dir'), { '/a-dir': 'dir', '/a-dir/f.txt': sha1('new content') });
});

for (const offlineAfter of [false, true]) {
  test(`a folder made offline, renamed while it gets its PDS id, is one folder under its new name (its move ${offlineAfter ? 'queued' : 'sent'})`, async () => {
    const { vfs } = s;
    const [from, to] = offlineAfter ? ['b-queued', 'b-queued-moved'] : ['b-sent', 'b-sent-moved'];
    await vfs.readdir('/');
    goOffline(s);
    await vfs.mkdir(`/${from}`);
    await writeFile(vfs, `/${from}/f.txt`, Buffer.from('in b'));
    // The rename has the folder (local id) and looks its new name up: as if that listing were fetched.
    // Its file is uploaded meanwhile (not cut off by PDS going away again).
    const meanwhile = async () => {
      while (s.admin.status().pendingFiles > 0) await sleep(20);
    };
    await heldAcrossReplay(DirCache.prototype, 'lookup', () => vfs.rename(`/${from}`, `/${to}`), { when: (_v, _dir, name) => name === to, meanwhile, offlineAfter });
    assert.deepEqual(names(await vfs.readdir('/')).filter((n) => n.startsWith(`${from}`)), [to]);
    assert.deepEqual(names(await vfs.readdir(`/${to}`)), ['f.txt']);
    goOnline(s);
    await drained();
    assert.deepEqual(names(await vfs.readdir('/')).filter((n) => n.startsWith(`${from}`)), [to]);
    assert.deepEqual(names(await vfs.readdir(`/${to}`)), ['f.txt']);
    assert.deepEqual(await onServer(to), { [`/${to}`]: 'dir', [`/${to}/f.txt`]: sha1('in b') });
    assert.deepEqual(await onServer(from), {});
  });
}

test('a pending file copied in a folder made offline while the folder gets its PDS id is found there', async () => {
  const { vfs } = s;
  await vfs.readdir('/');
  goOffline(s);
  await vfs.mkdir('/c-dir');
  await writeFile(vfs, '/c-dir/a.txt', Buffer.from('copied'));
  // The copy makes its staging copy of the pending content, then adds its row.
  await heldAcrossReplay(StagingFiles.prototype, 'fromStream', () => vfs.copy('/c-dir/a.txt', '/c-dir/b.txt'));
  assert.equal((await vfs.stat('/c-dir/b.txt')).size, 6);
  assert.deepEqual(names(await vfs.readdir('/c-dir')), ['a.txt', 'b.txt']);
  await drained();
  assert.deepEqual(await onServer('c-dir'), { '/c-dir': 'dir', '/c-dir/a.txt': sha1('copied'), '/c-dir/b.txt': sha1('copied') });
});

for (const offlineAfter of [false, true]) {
  test(`a folder made offline, removed while it gets its PDS id, is gone (its remove ${offlineAfter ? 'queued; what the server gained meanwhile stays' : 'sent'})`, async () => {
    const { vfs } = s;
    const dir = offlineAfter ? 'd-queued' : 'd-sent';
    await vfs.readdir('/');
    goOffline(s);
    await vfs.mkdir(`/${dir}`);
    await writeFile(vfs, `/${dir}/f.txt`, Buffer.from('pending'));
    // Someone else puts a file in the folder once it is on the server, before the remove reaches it.
    const meanwhile = async () => {
      if (!offlineAfter) return;
      const { id } = await s.admin.locate(`/${dir}`);
      await serverPut(s.endpoint, s.account.access_token, s.account.drive_id, id, 'theirs.txt', 'theirs');
    };
    // The remove drops the pending file inside, and waits for its staging file to go.
    await heldAcrossReplay(StagingFiles.prototype, 'remove', () => vfs.remove(`/${dir}`, { recursive: true }), { meanwhile, offlineAfter });
    await assert.rejects(vfs.stat(`/${dir}`), (e: unknown) => VfsError.is(e, 'ENOENT'));
    goOnline(s);
    await drained();
    if (offlineAfter) {
      // Replayed as a folder delete of what this side saw: the file it never saw stays, with its folder.
      assert.deepEqual(await onServer(dir), { [`/${dir}`]: 'dir', [`/${dir}/theirs.txt`]: sha1('theirs') });
      assert.deepEqual(names(await vfs.readdir(`/${dir}`)), ['theirs.txt']);
    } else {
      await assert.rejects(vfs.stat(`/${dir}`), (e: unknown) => VfsError.is(e, 'ENOENT'));
      assert.deepEqual(await onServer(dir), {});
    }
  });
}

test('a file moved into a folder made offline and open across its replay is written under the folder\'s PDS id', async () => {
  const { vfs } = s;
  await writeFile(vfs, '/e.txt', Buffer.from('short'));
  await vfs.drain();
  goOffline(s);
  await vfs.mkdir('/e-dir');
  await vfs.rename('/e.txt', '/e-dir/e.txt');
  // Opened while its folder has its local id; written once the folder has its PDS id.
  const handle = await vfs.open('/e-dir/e.txt', { read: true, write: true });
  try {
    goOnline(s);
    while (s.admin.offline().changes.pending > 0) await sleep(20);
    const data = Buffer.from('written after the replay');
    await handle.write(data, 0, data.length);
    assert.equal((await vfs.stat('/e-dir/e.txt')).size, data.length, 'the open file is found, as written');
  } finally {
    await handle.release();
  }
  assert.deepEqual(names(await vfs.readdir('/e-dir')), ['e.txt']);
  await drained();
  assert.deepEqual(await onServer('e-dir'), { '/e-dir': 'dir', '/e-dir/e.txt': sha1('written after the replay') });
});

// A server-side copy looks its ids up, then may wait (the target's name, uploads inside) before it
// sends: a folder made offline may have got its PDS id meanwhile, and the copy must send that id.
test('a file copied on the server into a folder made offline, the folder getting its PDS id meanwhile, lands in it', async () => {
  const { vfs } = s;
  await writeFile(vfs, '/f-src.txt', Buffer.from('copied on the server'));
  await vfs.drain();
  goOffline(s);
  await vfs.mkdir('/f-dir');
  // The copy has the folder (local id) and looks the new name up in it.
  await heldAcrossReplay(DirCache.prototype, 'lookup', () => vfs.copy('/f-src.txt', '/f-dir/f-copy.txt'), { when: (_v, _dir, name) => name === 'f-copy.txt' });
  assert.deepEqual(names(await vfs.readdir('/f-dir')), ['f-copy.txt']);
  await drained();
  assert.equal(s.admin.status().pendingFiles, 0, 'copied on the server: nothing to upload');
  assert.deepEqual(await onServer('f-dir'), { '/f-dir': 'dir', '/f-dir/f-copy.txt': sha1('copied on the server') });
});

test('a folder made offline, copied on the server while it gets its PDS id, is copied', async () => {
  const { vfs } = s;
  await vfs.readdir('/');
  goOffline(s);
  await vfs.mkdir('/g-dir');
  await vfs.mkdir('/g-dir/inner');
  // The copy has the folder (local id) and looks the copy's name up.
  await heldAcrossReplay(DirCache.prototype, 'lookup', () => vfs.copy('/g-dir', '/g-copy'), { when: (_v, _dir, name) => name === 'g-copy' });
  assert.deepEqual(names(await vfs.readdir('/g-copy')), ['inner']);
  await drained();
  assert.deepEqual(await onServer('g-copy'), { '/g-copy': 'dir', '/g-copy/inner': 'dir' });
  assert.deepEqual(await onServer('g-dir'), { '/g-dir': 'dir', '/g-dir/inner': 'dir' });
});
