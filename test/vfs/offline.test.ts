// Offline: with the local PDS server stopped, reads from the cache and every namespace change work at
// once; what needs the server fails fast (EHOSTDOWN); the changes replay in order when it is back.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { type App, createApp } from '../../src/app.js';
import { VfsError } from '../../src/core/errors.js';
import { defaultAppOptions } from '../helpers/app-options.js';
import { readFile, writeFile } from '../helpers/app.js';
import { localTree, serverPut, serverTree, sorted, stoppableServer, type StoppableServer } from './offline-support.js';

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

async function fails(p: Promise<unknown>, code: string): Promise<number> {
  const started = Date.now();
  await assert.rejects(p, (e: unknown) => VfsError.is(e, code as never));
  return Date.now() - started;
}

test('offline: cached folders and files work, what needs the server fails fast with EHOSTDOWN, and comes back', async () => {
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
  await writeFile(app.vfs, `${root}/offline.txt`, Buffer.from('written offline'));
  assert.equal((await app.vfs.statfs(root)).total >= 0, true, 'statfs answers offline');
  const status = app.vfs.offline();
  assert.equal(status.online, false);
  assert.equal(app.vfs.status().pendingFiles, 1, 'the new file waits');

  await server.start();
  await app.vfs.drain();
  assert.equal(app.reachability.online, true);
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
  const expected = sorted(await localTree(reference));
  assert.equal(app.reachability.online, false);
  const offline = app.vfs.offline();
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
  assert.equal(app.vfs.offline().changes.pending, 0);
  assert.equal(app.vfs.offline().changes.lost, 0, 'nothing lost');
  assert.equal(app.vfs.offline().changes.conflicts, 0, 'no conflicts');
  assert.deepEqual(sorted(await serverTree(server.endpoint, server.token, server.driveId)), expected);
});
