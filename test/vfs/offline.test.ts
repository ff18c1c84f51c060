// Offline: with the local PDS server stopped, reads from the cache and every namespace change work at
// once; what needs the server fails fast (EHOSTDOWN); the changes replay in order when it is back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { type App, createApp } from '../../src/app.js';
import { formatStatus } from '../../src/control/format.js';
import { buildStatus } from '../../src/control/status-report.js';
import { VfsError } from '../../src/core/errors.js';
import { nsFromMs, parsePosixMeta, type PosixAttrs } from '../../src/vfs/posix-attrs.js';
import { defaultAppOptions } from '../helpers/app-options.js';
import { readFile, writeFile } from '../helpers/app.js';
import { tsNodeArgs } from '../helpers/cli.js';
import { pds } from '../helpers/emulator.js';
import { localTree, serverPut, serverTree, sha1, sorted, stoppableServer, type StoppableServer } from './offline-support.js';

const OP_LIMIT_MS = 30_000;

async function setUp(): Promise<{ server: StoppableServer; app: App; root: string; cacheDir: string; open: () => Promise<App> }> {
  const server = await stoppableServer();
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-offline-'));
  const open = () => createApp(defaultAppOptions(server.endpoint, server.token, cacheDir));
  const app = await open();
  after(async () => {
    await server.start();
    await app.close().catch(() => undefined);
    await server.close();
    await fs.rm(cacheDir, { recursive: true, force: true });
  });
  return { server, app, root: `/drives/${app.volumes[0]!.dirName}`, cacheDir, open };
}

/** What `pdsfs status` prints for this app, and the status JSON. */
function statusOf(app: App): { text: string; json: ReturnType<typeof buildStatus> } {
  const json = buildStatus({
    admin: app.admin, volumes: app.volumes, role: 'test', startedAt: Date.now(), recentErrors: () => [],
    throughput: () => ({ intervalMs: 1000, samples: [] }),
  });
  return { text: formatStatus(json), json };
}

async function fails(p: Promise<unknown>, code: string): Promise<number> {
  const started = Date.now();
  await assert.rejects(p, (e: unknown) => VfsError.is(e, code as never));
  return Date.now() - started;
}

test('offline: cached folders and files work, what needs the server fails fast with EHOSTDOWN, and comes back', async (t) => {
  const { server, app, root } = await setUp();
  await serverPut(server.endpoint, server.token, server.driveId, 'root', 'remote.txt', 'on the server');
  const unseen = await serverPut(server.endpoint, server.token, server.driveId, 'root', 'unseen');
  await serverPut(server.endpoint, server.token, server.driveId, unseen, 'u.txt', 'u');
  await writeFile(app.vfs, `${root}/mine.txt`, Buffer.from('mine'));
  await app.vfs.drain();
  assert.equal((await readFile(app.vfs, `${root}/mine.txt`)).toString(), 'mine');
  assert.deepEqual((await app.vfs.readdir(root)).map((n) => n.name).sort(), ['mine.txt', 'remote.txt', 'unseen']);

  await server.stop();
  // The cached root lists, a cached file reads, a new file is written.
  assert.deepEqual((await app.vfs.readdir(root)).map((n) => n.name).sort(), ['mine.txt', 'remote.txt', 'unseen']);
  assert.equal((await readFile(app.vfs, `${root}/mine.txt`)).toString(), 'mine');
  // An uncached file and a never-listed folder need the server: EHOSTDOWN, well before the op limit.
  const readMs = await fails(readFile(app.vfs, `${root}/remote.txt`), 'EHOSTDOWN');
  assert.equal(app.reachability.online, false, 'the failed request made pdsfs offline');
  const listMs = await fails(app.vfs.readdir(`${root}/unseen`), 'EHOSTDOWN');
  assert.ok(readMs < OP_LIMIT_MS && listMs < OP_LIMIT_MS, `answered before the ${OP_LIMIT_MS} ms limit (${readMs}, ${listMs})`);
  t.diagnostic(`offline: uncached read answered EHOSTDOWN in ${readMs} ms, never-listed folder in ${listMs} ms`);
  await writeFile(app.vfs, `${root}/offline.txt`, Buffer.from('written offline'));
  assert.equal((await app.vfs.statfs(root)).total >= 0, true, 'statfs answers offline');
  await app.vfs.mkdir(`${root}/made-offline`);
  const status = statusOf(app);
  assert.equal(status.json.pds.online, false);
  assert.equal(status.json.pds.changesWaiting, 2, 'the new file and the new folder wait');
  assert.match(status.text, /PDS: offline since \d{4}-\d\d-\d\dT[\d:.]+Z \(\d+ s\), 2 changes waiting/);
  assert.match(status.text, /mkdir made-offline .*: waiting/);

  await server.start();
  await app.vfs.drain();
  assert.equal(app.reachability.online, true);
  assert.match(statusOf(app).text, /PDS: online\n/);
  assert.equal(app.reachability.transitions, 2, 'offline once, online once');
  assert.equal((await readFile(app.vfs, `${root}/remote.txt`)).toString(), 'on the server');
  assert.deepEqual((await app.vfs.readdir(`${root}/unseen`)).map((n) => n.name), ['u.txt']);
  const tree = await serverTree(server.endpoint, server.token, server.driveId);
  assert.ok(tree['/offline.txt'], 'the file written offline was uploaded');
});

/** The same operations on pdsfs and on a local reference folder. */
interface Target {
  mkdir(p: string): Promise<void>;
  write(p: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(p: string): Promise<void>;
}

async function script(t: Target): Promise<void> {
  await t.mkdir('a');
  await t.mkdir('a/b');
  await t.write('a/b/f.txt', 'F');
  await t.write('g.txt', 'G');
  await t.rename('g.txt', 'a/g2.txt');
  await t.rename('r1.txt', 'a/r1.txt');
  await t.remove('r2.txt');
  await t.remove('e');
  await t.rename('a', 'a2');
  await t.rename('d1', 'd1-renamed');
  await t.write('d1-renamed/new.txt', 'N');
  await t.mkdir('a2/c');
  await t.rename('a2/b/f.txt', 'a2/c/f.txt');
  await t.write('x.txt', 'X');
  await t.remove('x.txt');
  await t.write('r4.txt', 'r4 rewritten offline');
  await t.rename('r5.txt', 'r6.txt');
  await t.write('r5.txt', 'a new r5');
  await t.remove('a2/b');
  await t.mkdir('a2/b');
  await t.rename('d2', 'a2/b/d2');
}

const SEED: Record<string, string | null> = {
  'r1.txt': 'r1', 'r2.txt': 'r2', 'r4.txt': 'r4', 'r5.txt': 'r5', e: null, d1: null, 'd1/in.txt': 'in', d2: null, 'd2/deep': null, 'd2/deep/z.txt': 'z',
};

test('offline: a scripted sequence of every namespace operation gives the same tree on the server as on a local disk', async () => {
  const { server, app, root } = await setUp();
  const ids: Record<string, string> = {};
  for (const [p, content] of Object.entries(SEED)) {
    const parent = p.includes('/') ? ids[p.slice(0, p.lastIndexOf('/'))]! : 'root';
    ids[p] = await serverPut(server.endpoint, server.token, server.driveId, parent, p.split('/').pop()!, content ?? undefined);
  }
  const reference = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-offline-ref-'));
  after(() => fs.rm(reference, { recursive: true, force: true }));
  for (const [p, content] of Object.entries(SEED)) {
    if (content === null) await fs.mkdir(path.join(reference, p));
    else await fs.writeFile(path.join(reference, p), content);
  }
  // pdsfs has seen the tree (listed every folder) before the network goes.
  const walk = async (p: string): Promise<void> => {
    for (const n of await app.vfs.readdir(p)) if (n.kind === 'dir') await walk(`${p}/${n.name}`);
  };
  await walk(root);

  await server.stop();
  const vfs = app.vfs;
  await script({
    mkdir: async (p) => void (await vfs.mkdir(`${root}/${p}`)),
    write: (p, data) => writeFile(vfs, `${root}/${p}`, Buffer.from(data)),
    rename: (from, to) => vfs.rename(`${root}/${from}`, `${root}/${to}`),
    remove: (p) => vfs.remove(`${root}/${p}`, { recursive: true }),
  });
  await script({
    mkdir: (p) => fs.mkdir(path.join(reference, p)),
    write: (p, data) => fs.writeFile(path.join(reference, p), data),
    rename: (from, to) => fs.rename(path.join(reference, from), path.join(reference, to)),
    remove: (p) => fs.rm(path.join(reference, p), { recursive: true }),
  });
  // Times and POSIX attributes of entries the server has.
  const mtime = Date.UTC(2021, 5, 1, 12, 0, 0);
  await vfs.setMtime(`${root}/d1-renamed/in.txt`, mtime);
  const attrs: PosixAttrs = { mode: 0o100640, uid: 1234, gid: 5678, rdev: 0, atime: nsFromMs(mtime), mtime: nsFromMs(mtime), ctime: nsFromMs(mtime) };
  await vfs.setAttrs(`${root}/a2/r1.txt`, attrs);
  assert.equal((await vfs.stat(`${root}/d1-renamed/in.txt`)).mtime, mtime, 'the new mtime shows at once');
  assert.equal((await vfs.stat(`${root}/a2/r1.txt`)).attrs?.mode, 0o100640);
  const expected = sorted(await localTree(reference));
  assert.equal(app.reachability.online, false);
  const offline = app.admin.offline();
  assert.ok(offline.changes.pending > 0, 'changes wait');

  // The local tree shows every change at once.
  const localView: Record<string, string> = {};
  const view = async (p: string, rel: string): Promise<void> => {
    for (const n of await app.vfs.readdir(p)) {
      localView[`${rel}/${n.name}`] = n.kind === 'dir' ? 'dir' : 'file';
      if (n.kind === 'dir') await view(`${p}/${n.name}`, `${rel}/${n.name}`);
    }
  };
  await view(root, '');
  assert.deepEqual(sorted(localView), Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v === 'dir' ? 'dir' : 'file'])));

  await server.start();
  await app.vfs.drain();
  assert.equal(app.admin.offline().changes.pending, 0);
  assert.equal(app.admin.offline().changes.lost, 0, 'nothing lost');
  assert.equal(app.admin.offline().changes.conflicts, 0, 'no conflicts');
  assert.deepEqual(sorted(await serverTree(server.endpoint, server.token, server.driveId)), expected);
  const get = async (id: string) => (await pds(server.endpoint, server.token, 'file/get', { drive_id: server.driveId, file_id: id })).body;
  assert.equal(Date.parse((await get(ids['d1/in.txt']!)).local_modified_at), mtime, 'the mtime set offline reached the server');
  assert.equal(parsePosixMeta((await get(ids['r1.txt']!)).user_meta)?.uid, 1234, 'the attributes set offline reached the server');
});

test('offline: conflicts on replay keep both sides or are reported lost, never losing data', async () => {
  const { server, app, root } = await setUp();
  const put = (parent: string, name: string, content?: string, fileId?: string, at = server.endpoint) => serverPut(at, server.token, server.driveId, parent, name, content, fileId);
  const ids: Record<string, string> = {};
  for (const n of ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']) ids[n] = await put('root', `${n}.txt`, `${n} before`);
  ids.dirM = await put('root', 'dirM');
  ids.dirT = await put('root', 'dirT');
  for (const d of ['', '/dirM', '/dirT']) await app.vfs.readdir(`${root}${d}`);

  await server.stop();
  const p = (rel: string) => `${root}/${rel}`;
  await app.vfs.rename(p('c1.txt'), p('taken.txt'));
  await app.vfs.rename(p('c2.txt'), p('c2-renamed.txt'));
  await app.vfs.remove(p('c3.txt'));
  await writeFile(app.vfs, p('c4.txt'), Buffer.from('c4 mine'));
  await writeFile(app.vfs, p('new.txt'), Buffer.from('new mine'));
  await app.vfs.mkdir(p('dirM/sub'));
  await writeFile(app.vfs, p('dirM/sub/s.txt'), Buffer.from('s mine'));
  await app.vfs.rename(p('c5.txt'), p('dirT/c5.txt'));
  await app.vfs.setMtime(p('c6.txt'), Date.UTC(2020, 0, 1));
  assert.equal(app.admin.offline().changes.pending, 6, 'a mkdir, three moves, a delete and an mtime wait');

  // Meanwhile someone else changes the server.
  await server.elsewhere(async (at) => {
    await put('root', 'taken.txt', 'taken theirs', undefined, at);
    for (const f of ['c2', 'c6']) await pds(at, server.token, 'file/delete', { drive_id: server.driveId, file_id: ids[f] });
    await put('root', 'c3.txt', 'c3 theirs', ids.c3, at);
    await put('root', 'c4.txt', 'c4 theirs', ids.c4, at);
    await put('root', 'new.txt', 'new theirs', undefined, at);
    const sub = await put(ids.dirM!, 'sub', undefined, undefined, at);
    await put(sub, 'o.txt', 'o theirs', undefined, at);
    await pds(at, server.token, 'file/delete', { drive_id: server.driveId, file_id: ids.dirT });
  });

  await server.start();
  await app.vfs.drain();
  const tree = await serverTree(server.endpoint, server.token, server.driveId);
  const content = (name: string) => Object.entries(tree).filter(([k]) => k.startsWith('/') && !k.slice(1).includes('/') && k.includes(name));
  const stamp = / \(conflict \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\)/;
  // Both sides kept: their file under the name, ours under a conflict name.
  assert.equal(tree['/taken.txt'], sha1('taken theirs'));
  assert.deepEqual(content('taken (conflict').map(([, h]) => h), [sha1('c1 before')]);
  assert.equal(tree['/c4.txt'], sha1('c4 theirs'));
  assert.deepEqual(content('c4 (conflict').map(([, h]) => h), [sha1('c4 mine')]);
  assert.equal(tree['/new.txt'], sha1('new theirs'));
  assert.deepEqual(content('new (conflict').map(([, h]) => h), [sha1('new mine')]);
  assert.ok(Object.keys(tree).filter((k) => k.includes('(conflict')).every((k) => stamp.test(k)), 'conflict names carry the date');
  // A folder made on both sides is one folder with both contents.
  assert.equal(tree['/dirM/sub/s.txt'], sha1('s mine'));
  assert.equal(tree['/dirM/sub/o.txt'], sha1('o theirs'));
  // Lost: the rename of a deleted file, the delete of a changed file (kept), the move into a deleted folder (stays).
  assert.equal(tree['/c2-renamed.txt'], undefined);
  assert.equal(tree['/c3.txt'], sha1('c3 theirs'));
  assert.equal(tree['/c5.txt'], sha1('c5 before'));
  const counts = app.admin.offline().changes;
  assert.deepEqual(counts, { pending: 0, lost: 4, conflicts: 3 });
  const { json, text } = statusOf(app);
  assert.equal(json.changes.notices.length, 7);
  assert.deepEqual(json.changes.notices.map((n) => n.state).sort(), ['conflict', 'conflict', 'conflict', 'lost', 'lost', 'lost', 'lost']);
  assert.match(text, /namespace changes: 0 waiting, 4 lost, 3 conflicts kept/);
  assert.match(text, /move c2.txt → c2-renamed.txt .*: LOST\n.*the rename to "c2-renamed.txt" was lost: the entry was deleted on the server/);
  assert.match(text, /remove c3.txt .*: LOST\n.*changed on the server since, and is kept/);
  // The local tree agrees with the server again.
  assert.deepEqual((await app.vfs.readdir(root)).map((n) => n.name).filter((n) => !n.includes('conflict')).sort(), ['c3.txt', 'c4.txt', 'c5.txt', 'dirM', 'new.txt', 'taken.txt']);
});

test('offline: a folder deleted offline keeps what the server gained meanwhile, and only that', async () => {
  const { server, app, root } = await setUp();
  const put = (parent: string, name: string, content?: string, fileId?: string, at = server.endpoint) => serverPut(at, server.token, server.driveId, parent, name, content, fileId);
  const ids: Record<string, string> = {};
  ids.dirA = await put('root', 'dirA');
  ids.a = await put(ids.dirA, 'a.txt', 'a before');
  ids.a2 = await put(ids.dirA, 'a2.txt', 'a2 before');
  ids.sub = await put(ids.dirA, 'sub');
  ids.s = await put(ids.sub, 's.txt', 's before');
  ids.unlisted = await put(ids.dirA, 'unlisted');
  await put(ids.unlisted, 'u.txt', 'u before');
  ids.dirB = await put('root', 'dirB');
  await put(ids.dirB, 'b.txt', 'b before');
  ids.dirC = await put('root', 'dirC');
  await put(ids.dirC, 'c.txt', 'c before');
  for (const d of ['', '/dirA', '/dirA/sub', '/dirB', '/dirC']) await app.vfs.readdir(`${root}${d}`);

  await server.stop();
  const p = (rel: string) => `${root}/${rel}`;
  // dirA and dirB as a WebDAV DELETE does it (one recursive remove), dirC as rm -r does (files, then rmdir).
  await app.vfs.remove(p('dirA'), { recursive: true });
  // A folder made offline in it (made on PDS first at replay) was seen too.
  await app.vfs.mkdir(p('dirB/made'));
  await writeFile(app.vfs, p('dirB/made/m.txt'), Buffer.from('m'));
  await app.vfs.mkdir(p('dirB/made/deeper'));
  await app.vfs.remove(p('dirB'), { recursive: true });
  await app.vfs.remove(p('dirC/c.txt'));
  await app.vfs.remove(p('dirC'));
  assert.deepEqual((await app.vfs.readdir(root)).map((n) => n.name), [], 'the local tree shows the deletes at once');

  // Meanwhile someone else adds to dirA (and to a folder in it), changes a file in it, and adds to dirC.
  await server.elsewhere(async (at) => {
    await put(ids.dirA!, 'new.txt', 'new theirs', undefined, at);
    await put(ids.sub!, 'new2.txt', 'new2 theirs', undefined, at);
    await put(ids.dirA!, 'a2.txt', 'a2 theirs', ids.a2, at);
    await put(ids.dirC!, 'late.txt', 'late theirs', undefined, at);
  });

  await server.start();
  await app.vfs.drain();
  const tree = sorted(await serverTree(server.endpoint, server.token, server.driveId));
  // What the deletes saw is gone (a never-listed folder in it as a whole); what they never saw stays.
  assert.deepEqual(tree, {
    '/dirA': 'dir',
    '/dirA/a2.txt': sha1('a2 theirs'),
    '/dirA/new.txt': sha1('new theirs'),
    '/dirA/sub': 'dir',
    '/dirA/sub/new2.txt': sha1('new2 theirs'),
    '/dirC': 'dir',
    '/dirC/late.txt': sha1('late theirs'),
  });
  // Recorded as conflicts (both sides kept), in status.
  assert.deepEqual(app.admin.offline().changes, { pending: 0, lost: 0, conflicts: 2 });
  const { text } = statusOf(app);
  assert.match(text, /remove dirA .*: conflict, both kept\n.*the folder "dirA" deleted offline was kept with 3 entries added or changed on the server since \(a2.txt, new.txt, sub\/new2.txt\); the rest was deleted/);
  assert.match(text, /remove dirC .*: conflict, both kept\n.*kept with 1 entry .*\(late.txt\)/);
  // The local tree agrees with the server.
  assert.deepEqual((await app.vfs.readdir(root)).map((n) => n.name).sort(), ['dirA', 'dirC']);
  assert.deepEqual((await app.vfs.readdir(p('dirA'))).map((n) => n.name).sort(), ['a2.txt', 'new.txt', 'sub']);
  assert.deepEqual((await app.vfs.readdir(p('dirA/sub'))).map((n) => n.name), ['new2.txt']);
  assert.equal((await readFile(app.vfs, p('dirA/new.txt'))).toString(), 'new theirs');
});

test('offline: changes survive kill -9, a restart while still offline, and are applied exactly once when PDS is back', async () => {
  const { server, app, root, cacheDir, open } = await setUp();
  await serverPut(server.endpoint, server.token, server.driveId, 'root', 'r1.txt', 'r1');
  const d1 = await serverPut(server.endpoint, server.token, server.driveId, 'root', 'd1');
  await serverPut(server.endpoint, server.token, server.driveId, d1, 'in.txt', 'in');
  await app.vfs.readdir(root);
  await app.vfs.readdir(`${root}/d1`);
  await app.close();
  await server.stop();

  const child = spawn(process.execPath, tsNodeArgs(path.join(import.meta.dirname, 'fixtures', 'offline-worker.ts'), server.endpoint, server.token, cacheDir), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const said = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => b.toString().includes('committed') && resolve(b.toString().trim()));
    child.on('exit', (code) => reject(new Error(`offline-worker exited early (${code})`)));
  });
  assert.equal(said, 'committed offline');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  // Restarted while PDS is still unreachable: the tree shows the changes, which wait.
  const again = await open();
  after(() => again.close());
  const names = async (p: string) => (await again.vfs.readdir(p)).map((n) => n.name).sort();
  assert.deepEqual(await names(root), ['k']);
  assert.deepEqual(await names(`${root}/k`), ['f.txt', 'r1.txt', 'sub']);
  assert.equal(again.reachability.online, false);
  assert.equal(again.admin.offline().changes.pending, 4, 'two folders, a move and a delete wait');
  assert.equal(again.admin.status().pendingFiles, 1);

  await server.start();
  await again.vfs.drain();
  assert.deepEqual(sorted(await serverTree(server.endpoint, server.token, server.driveId)), {
    '/k': 'dir', '/k/f.txt': sha1('written offline before a crash'), '/k/r1.txt': sha1('r1'), '/k/sub': 'dir',
  });
  // Exactly once: two folders and one file created, one move, one delete.
  const requests = server.emu!.stats.requests;
  assert.equal(requests['/v2/file/create'], 3, JSON.stringify(requests));
  assert.equal(requests['/v2/file/move'], 1, JSON.stringify(requests));
  assert.equal((requests['/v2/recyclebin/trash'] ?? 0) + (requests['/v2/file/delete'] ?? 0), 1, JSON.stringify(requests));
  assert.deepEqual(again.admin.offline().changes, { pending: 0, lost: 0, conflicts: 0 });
});
