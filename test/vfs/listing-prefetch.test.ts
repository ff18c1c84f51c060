// Listings under latency: a cold walk lists child folders concurrently (bounded) and each folder
// once (a cold stat of a deep path: deep-path.test.ts). Counts list calls and how many the server
// served at once, never time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApp, type StartedApp } from '../helpers/app.js';
import { bulkEntries } from '../helpers/bulk-entries.js';
import { mkdir, uploadFile } from '../emulator/support.js';
import type { StartedEmulator } from '../helpers/emulator.js';
import { LISTING_STARTED } from '../../src/vfs/dir-cache.js';
import { LISTED_AT_ONCE, ListingPrefetch } from '../../src/vfs/listing-prefetch.js';
import type { Volume } from '../../src/vfs/volume.js';

const FOLDERS = 24;
/** Files in the folder listed in pages (three pages of 100). */
const PAGED = 250;
/** Child folders the server lists in the reverse of a walker's order (more than are listed at once). */
const REVERSED = LISTED_AT_ONCE + 4;
let s: StartedApp;
let root: string;
let dataDir: string;

before(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-prefetch-'));
  // Some latency, so listings in flight overlap whatever the machine's load.
  s = await startApp({}, { faults: { latencyMs: 30 }, dataDir });
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
  // The folder comes first in the server's order (by creation), the files after it.
  const paged = await mkdir(e, await mkdir(e, 'root', 'solo'), 'paged');
  await mkdir(e, paged, 'sub');
  await sleep(PAGED + 50);
  bulkEntries(dataDir, s.account.drive_id, paged, PAGED);
  // Made from the last name to the first: the server lists them in that order, a walker reads them by name.
  const reversed = await mkdir(e, await mkdir(e, 'root', 'solo2'), 'reversed');
  for (let i = REVERSED - 1; i >= 0; i--) await mkdir(e, reversed, `k${String(i).padStart(2, '0')}`);
  root = `/drives/${s.app.volumes[0]!.dirName}`;
});
after(async () => {
  await s.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

/** Depth-first, one folder after another, as ls -lR and find do. */
async function walk(path: string): Promise<number> {
  let folders = 1;
  for (const n of await s.vfs.readdir(path)) if (n.kind === 'dir') folders += await walk(`${path}/${n.name}`);
  return folders;
}

test('a cold walk lists child folders several at once (bounded), each folder once, and stores each listing in one transaction at most', async () => {
  s.emu.resetStats();
  const before = s.admin.status().listCalls;
  const commits = s.admin.status().metadata.turnCommits;
  // Each listing is announced as it starts (the daemon's heap grows while they stream: cli/heap-growth.ts).
  const announced: unknown[] = [];
  const announce = (dirId: unknown) => announced.push(dirId);
  LISTING_STARTED.subscribe(announce);
  const folders = await walk(`${root}/walk`).finally(() => LISTING_STARTED.unsubscribe(announce));
  assert.equal(folders, FOLDERS + 1 + 3);
  assert.equal(announced.length, FOLDERS + 5, 'one announcement per list call');
  assert.equal(new Set(announced).size, FOLDERS + 5, 'each folder announced once');
  // The drive root, walk, d00..d23, a, b and c.
  assert.equal(s.admin.status().listCalls - before, FOLDERS + 5, 'no folder listed twice');
  // A one-page listing's page and end commit together, with the other listings that came in the same turn.
  const stored = s.admin.status().metadata.turnCommits - commits;
  assert.ok(stored >= 1 && stored <= FOLDERS + 5, `transactions storing ${FOLDERS + 5} listings: ${stored}`);
  assert.equal(s.emu.stats.requests['/v2/file/list'], FOLDERS + 5);
  const atOnce = s.emu.stats.inFlightPeak['/v2/file/list'] ?? 0;
  assert.ok(atOnce >= 2, `listings at once: ${atOnce}`);
  // LISTED_AT_ONCE ahead, plus the walker's own listing of a folder not queued yet.
  assert.ok(atOnce <= LISTED_AT_ONCE + 1, `at most ${LISTED_AT_ONCE} + 1 at once: ${atOnce}`);
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

test('a walker listing a folder of several pages sends the child folders of its first page ahead before the last page is in', async () => {
  // solo holds paged alone, so going into paged lists no sibling ahead.
  await s.vfs.readdir(`${root}/solo`);
  s.emu.resetStats();
  const names = await s.vfs.readdir(`${root}/solo/paged`);
  assert.equal(names.length, PAGED + 1);
  await s.vfs.readdir(`${root}/solo/paged/sub`); // listed ahead: joins the listing in flight or finds it done
  assert.equal(s.emu.stats.requests['/v2/file/list'], 3 + 1, 'three pages and sub');
  assert.equal(s.emu.stats.inFlightPeak['/v2/file/list'], 2, 'sub was listed while a later page of its folder was');
});

test('child folders go ahead in the order the walker reads them (by name), not the server\'s', async () => {
  await s.vfs.readdir(`${root}/solo2`);
  s.emu.resetStats();
  await s.vfs.readdir(`${root}/solo2/reversed`);
  // k00 is the last the server named: listed ahead only if the queue follows the walker's order.
  await s.vfs.readdir(`${root}/solo2/reversed/k00`);
  assert.equal(s.emu.stats.inFlightPeak['/v2/file/list'], LISTED_AT_ONCE, 'the walker found k00 listed ahead, not a listing of its own beyond them');
});

test('the prefetch queue lists the folders named last first, each batch in its order, a bounded number at a time', async () => {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const queue = new ListingPrefetch((_, dirId) => {
    started.push(dirId);
    return new Promise<void>((resolve) => finish.set(dirId, resolve));
  }, 2);
  const volume = {} as Volume;
  const done = async (dirId: string) => {
    finish.get(dirId)!();
    await sleep(0);
  };
  const siblings = queue.add(volume, ['s1', 's2', 's3', 's4']);
  assert.deepEqual(started, ['s1', 's2']);
  // The walker went into s1: its children go before s3 and s4, and a later page of them joins their batch.
  const children = queue.add(volume, ['c1', 'c2']);
  queue.add(volume, ['c3'], children);
  queue.add(volume, ['s5'], siblings);
  await done('s1');
  await done('s2');
  await done('c1');
  await done('c2');
  await done('c3');
  await done('s3');
  assert.deepEqual(started, ['s1', 's2', 'c1', 'c2', 'c3', 's3', 's4', 's5']);
});
