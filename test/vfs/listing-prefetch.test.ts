// Listings under latency: a cold walk lists child folders concurrently (bounded) and each folder
// once (a cold stat of a deep path: deep-path.test.ts). Counts list calls and how many the server
// served at once, never time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type StartedApp } from '../helpers/app.js';
import { mkdir, uploadFile } from '../emulator/support.js';
import type { StartedEmulator } from '../helpers/emulator.js';

const FOLDERS = 24;
let s: StartedApp;
let root: string;

before(async () => {
  // Some latency, so listings in flight overlap whatever the machine's load.
  s = await startApp({}, { faults: { latencyMs: 30 } });
  const e = { emu: s.emu, account: s.account, endpoint: s.endpoint } as StartedEmulator;
  const top = await mkdir(e, 'root', 'walk');
  for (let i = 0; i < FOLDERS; i++) {
    const dir = await mkdir(e, top, `d${String(i).padStart(2, '0')}`);
    await uploadFile(e, dir, 'f.txt', Buffer.from(`file ${i}`));
    if (i === 0) await mkdir(e, await mkdir(e, await mkdir(e, dir, 'a'), 'b'), 'c');
  }
  await mkdir(e, await mkdir(e, await mkdir(e, await mkdir(e, 'root', 'tree'), 'x'), 'y'), 'z');
  const pair = await mkdir(e, 'root', 'pair');
  for (const name of ['p0', 'p1']) await mkdir(e, pair, name);
  root = `/drives/${s.app.volumes[0]!.dirName}`;
});
after(() => s.close());

/** Depth-first, one folder after another, as ls -lR and find do. */
async function walk(path: string): Promise<number> {
  let folders = 1;
  for (const n of await s.vfs.readdir(path)) if (n.kind === 'dir') folders += await walk(`${path}/${n.name}`);
  return folders;
}

test('a cold walk lists child folders several at once (bounded), each folder once', async () => {
  s.emu.resetStats();
  const before = s.admin.status().listCalls;
  const folders = await walk(`${root}/walk`);
  assert.equal(folders, FOLDERS + 1 + 3);
  // The drive root, walk, d00..d23, a, b and c.
  assert.equal(s.admin.status().listCalls - before, FOLDERS + 5, 'no folder listed twice');
  assert.equal(s.emu.stats.requests['/v2/file/list'], FOLDERS + 5);
  const atOnce = s.emu.stats.inFlightPeak['/v2/file/list'] ?? 0;
  assert.ok(atOnce >= 2, `listings at once: ${atOnce}`);
  // 8 ahead, plus the walker's own listing of a folder not queued yet.
  assert.ok(atOnce <= 9, `at most 8 + 1 at once: ${atOnce}`);
});

test('reading one folder lists nothing ahead; going down lists one level ahead, never the tree below', async () => {
  const before = s.admin.status().listCalls;
  await s.vfs.readdir(`${root}/tree`);
  assert.equal(s.admin.status().listCalls - before, 1, 'an ls of one folder lists that folder only');
  await s.vfs.readdir(`${root}/tree/x`);
  // The count moves when a listing starts: x, then y ahead of the walker; z waits for a walker to read y.
  assert.equal(s.admin.status().listCalls - before, 3);
});

test('going down, the siblings are listed together with the folder gone into, not a round trip after it', async () => {
  await s.vfs.readdir(`${root}/pair`);
  s.emu.resetStats();
  const before = s.admin.status().listCalls;
  await s.vfs.readdir(`${root}/pair/p0`);
  await s.vfs.readdir(`${root}/pair/p1`); // listed ahead: joins the listing in flight or finds it done
  assert.equal(s.admin.status().listCalls - before, 2);
  assert.equal(s.emu.stats.requests['/v2/file/list'], 2);
  assert.equal(s.emu.stats.inFlightPeak['/v2/file/list'], 2, 'p0 and p1 were listed at once');
});
