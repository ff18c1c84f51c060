// Independent offline changes replay at once; dependent ones keep their order (a folder before what
// goes into it, a move before the rename of what it moved, a name freed before it is taken again);
// a kill -9 in the middle of a replay leaves every change applied exactly once after the restart.
// Overlap is counted by the local server (inFlightPeak), order read from its change feed: no timing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { type App, createApp } from '../../src/app.js';
import { defaultAppOptions } from '../helpers/app-options.js';
import { tsNodeArgs } from '../helpers/cli.js';
import { pds } from '../helpers/emulator.js';
import { serverPut, serverTree, sha1, sorted, stoppableServer, type StoppableServer } from './offline-support.js';
import { expectedTree, makeChanges, SIDE_BY_SIDE } from './replay-changes.js';

/** Every request waits this long at the server, so changes sent together are in flight together. */
const LATENCY_MS = 150;

async function setUp(): Promise<{ server: StoppableServer; cacheDir: string; open: () => Promise<App> }> {
  const server = await stoppableServer();
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-replay-'));
  after(async () => {
    await server.start();
    await server.close();
    await fs.rm(cacheDir, { recursive: true, force: true });
  });
  await serverPut(server.endpoint, server.token, server.driveId, 'root', 'moved.txt', 'moved');
  return { server, cacheDir, open: () => createApp(defaultAppOptions(server.endpoint, server.token, cacheDir)) };
}

interface FeedItem { op: string; file_id: string; file?: { name: string; parent_file_id: string } }

async function feedSince(server: StoppableServer, cursor: string): Promise<FeedItem[]> {
  const items: FeedItem[] = [];
  for (;;) {
    const page = await pds<any>(server.endpoint, server.token, 'file/list_delta', { drive_id: server.driveId, cursor, limit: 100 });
    assert.equal(page.status, 200);
    items.push(...page.body.items);
    cursor = page.body.cursor;
    if (!page.body.has_more) return items;
  }
}

/** Entries on the server below a folder, duplicates of a name counted each (a tree by path would merge them). */
async function countEntries(server: StoppableServer, parentId = 'root'): Promise<number> {
  const items = (await pds<any>(server.endpoint, server.token, 'file/list', { drive_id: server.driveId, parent_file_id: parentId, limit: 100 })).body.items as { file_id: string; type: string }[];
  let n = items.length;
  for (const i of items) if (i.type === 'folder') n += await countEntries(server, i.file_id);
  return n;
}

/** Position in the feed of the first change `op` of an entry named `name`. */
function at(feed: FeedItem[], op: string, name: string): number {
  const i = feed.findIndex((f) => f.op === op && f.file?.name === name);
  assert.ok(i >= 0, `${op} ${name} is in the change feed`);
  return i;
}

test('replay: independent changes run at once, dependent ones in order, each once', async () => {
  const { server, open } = await setUp();
  const app = await open();
  after(() => app.close());
  const root = `/drives/${app.volumes[0]!.dirName}`;
  await app.vfs.readdir(root);
  const cursor = (await pds<any>(server.endpoint, server.token, 'file/get_last_cursor', { drive_id: server.driveId })).body.cursor as string;
  await server.stop();

  await makeChanges(app.vfs, root);
  assert.ok(app.admin.offline().changes.pending >= 10, JSON.stringify(app.admin.offline().changes));

  await server.start();
  server.emu!.setFaults({ latencyMs: LATENCY_MS });
  await app.vfs.drain();

  assert.deepEqual(sorted(await serverTree(server.endpoint, server.token, server.driveId)), sorted(expectedTree(sha1('moved'))));
  assert.equal(await countEntries(server), Object.keys(expectedTree('')).length, 'no folder made twice');
  assert.deepEqual(app.admin.offline().changes, { pending: 0, lost: 0, conflicts: 0 });
  const stats = server.emu!.stats;
  assert.ok((stats.inFlightPeak['/v2/file/create'] ?? 0) >= 2, `folders made at once: peak ${stats.inFlightPeak['/v2/file/create']}`);
  assert.ok((stats.inFlightPeak['/v2/file/create'] ?? 0) <= 4, 'bounded');
  // Exactly once: one create per folder left on the server (the removed "again" may never have been sent).
  const creates = stats.requests['/v2/file/create'] ?? 0;
  assert.ok(creates >= SIDE_BY_SIDE.length + 5 && creates <= SIDE_BY_SIDE.length + 6, `creates: ${creates}`);

  const feed = await feedSince(server, cursor);
  assert.ok(at(feed, 'create', 'chain') < at(feed, 'create', 'a'), 'a folder before what goes into it');
  assert.ok(at(feed, 'create', 'a') < at(feed, 'create', 'b'));
  assert.ok(at(feed, 'create', 'p1') < at(feed, 'move', 'moved.txt'), 'the folder before the move into it');
  assert.ok(at(feed, 'move', 'moved.txt') < at(feed, 'rename', 'renamed.txt'), 'the move before the rename of what it moved');
  const lastAgain = feed.map((f) => f.op === 'create' && f.file?.name === 'again').lastIndexOf(true);
  assert.ok(lastAgain < at(feed, 'create', 'inside'), 'the folder made again before what goes into it');
});

test('replay: a kill -9 in the middle of a parallel replay, then a restart: every change applied exactly once', async () => {
  const { server, cacheDir, open } = await setUp();
  const first = await open();
  await first.vfs.readdir(`/drives/${first.volumes[0]!.dirName}`);
  await first.close();
  await server.stop();

  const worker = (mode: 'offline' | 'replay') => {
    const child = spawn(process.execPath, tsNodeArgs(path.join(import.meta.dirname, 'fixtures', 'replay-worker.ts'), mode, server.endpoint, server.token, cacheDir), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const said = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => resolve(b.toString().trim()));
      child.on('exit', (code) => reject(new Error(`replay-worker ${mode} exited early (${code})`)));
    });
    const kill = async () => {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    };
    return { said, kill };
  };

  const offline = worker('offline');
  assert.equal(await offline.said, 'offline offline');
  await offline.kill();

  await server.start();
  const emu = server.emu!;
  emu.setFaults({ latencyMs: LATENCY_MS });
  const token = server.token;
  const replaying = worker('replay');
  assert.equal(await replaying.said, 'replay online');
  // Killed once a few changes reached the server and before all did.
  const sent = () => (emu.stats.requests['/v2/file/create'] ?? 0) + (emu.stats.requests['/v2/file/move'] ?? 0) + (emu.stats.requests['/v2/file/update'] ?? 0);
  for (let i = 0; sent() < 3 && i < 3000; i++) await new Promise((r) => setTimeout(r, 5));
  const atKill = sent();
  await replaying.kill();
  assert.ok(atKill >= 3 && atKill < SIDE_BY_SIDE.length + 7, `killed in the middle: ${atKill} changes sent`);

  const again = await open();
  after(() => again.close());
  await again.vfs.drain();
  assert.deepEqual(sorted(await serverTree(server.endpoint, token, server.driveId)), sorted(expectedTree(sha1('moved'))));
  assert.equal(await countEntries(server), Object.keys(expectedTree('')).length, 'no folder made twice');
  assert.deepEqual(again.admin.offline().changes, { pending: 0, lost: 0, conflicts: 0 });
});
