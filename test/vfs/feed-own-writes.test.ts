// A change-feed page asked for before an own write landed holds the older state of the node written
// (PDS serves the changes made up to the moment it serves the page). Its answer is held at a gate
// while a rename, a move or a delete is made through pdsfs, then let go: the cache must never show
// the state from before the write, neither while the page is applied nor after.
import assert from 'node:assert/strict';
import { setImmediate } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { type StartedApp, startApp, writeFile } from '../helpers/app.js';
import { holdFirstCall } from '../helpers/replay-held.js';

let s: StartedApp;
before(async () => {
  s = await startApp({ drive: '1' });
});
after(() => s?.close());

const names = async (dir: string) => (await s.vfs.readdir(dir)).map((n) => n.name).sort();

/**
 * Holds the answer of the next feed page (its request already served, so it predates the write),
 * runs `write`, lets the page go, and returns every listing of `dirs` seen from then until the poll
 * has finished, and once more after it.
 */
async function writeWhileFeedHeld(dirs: string[], write: () => Promise<void>): Promise<Record<string, string[][]>> {
  const hold = holdFirstCall(DriveRemote.prototype, 'changes', { after: true });
  const seen: Record<string, string[][]> = Object.fromEntries(dirs.map((d) => [d, []]));
  try {
    const polled = s.admin.pollNow();
    await hold.reached;
    await write();
    let done = false;
    const watching = (async () => {
      while (!done) {
        for (const d of dirs) seen[d]!.push(await names(d));
        await setImmediate();
      }
    })();
    hold.release();
    await polled;
    done = true;
    await watching;
    for (const d of dirs) seen[d]!.push(await names(d));
  } finally {
    hold.restore();
  }
  return seen;
}

/** Every listing of `dir` seen while a poll of the feed runs, and once after it. */
async function listingsDuringPoll(dir: string): Promise<string[][]> {
  const seen: string[][] = [];
  let done = false;
  const watching = (async () => {
    while (!done) {
      seen.push(await names(dir));
      await setImmediate();
    }
  })();
  await s.admin.pollNow();
  done = true;
  await watching;
  seen.push(await names(dir));
  return seen;
}

/** Feed pages the local server has served (list_delta calls). */
const feedReads = () => s.emu.stats.requests['/v2/file/list_delta'] ?? 0;

const distinct = (lists: string[][]) => [...new Set(lists.map((l) => l.join(',')))];

test('a rename made while an older feed page is on its way is not undone by it', async () => {
  await s.vfs.mkdir('/rename');
  await writeFile(s.vfs, '/rename/a.txt', Buffer.from('a'));
  await s.vfs.drain();
  const before = feedReads();
  const seen = await writeWhileFeedHeld(['/rename'], () => s.vfs.rename('/rename/a.txt', '/rename/b.txt'));
  assert.deepEqual(distinct(seen['/rename']!), ['b.txt']);
  assert.equal(feedReads() - before, 2, 'the held page, then that page read again');
});

test('a page read again applies only the last state of a node: no older name shows between its transactions', async () => {
  await s.vfs.mkdir('/long');
  await writeFile(s.vfs, '/long/a.txt', Buffer.from('a'));
  const others = Array.from({ length: 30 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
  for (const n of others) await writeFile(s.vfs, `/long/${n}`, Buffer.from(n));
  await s.vfs.drain();
  const seen = await writeWhileFeedHeld(['/long'], () => s.vfs.rename('/long/a.txt', '/long/z.txt'));
  assert.deepEqual(distinct(seen['/long']!), [[...others, 'z.txt'].join(',')]);
});

test('a move made while an older feed page is on its way is not undone by it', async () => {
  await s.vfs.mkdir('/from');
  await s.vfs.mkdir('/to');
  await writeFile(s.vfs, '/from/a.txt', Buffer.from('a'));
  await s.vfs.drain();
  const seen = await writeWhileFeedHeld(['/from', '/to'], () => s.vfs.rename('/from/a.txt', '/to/a.txt'));
  assert.deepEqual(distinct(seen['/from']!), ['']);
  assert.deepEqual(distinct(seen['/to']!), ['a.txt']);
});

test('a delete made while an older feed page is on its way is not undone by it', async () => {
  await s.vfs.mkdir('/delete');
  await writeFile(s.vfs, '/delete/a.txt', Buffer.from('a'));
  await writeFile(s.vfs, '/delete/kept.txt', Buffer.from('kept'));
  await s.vfs.drain();
  const seen = await writeWhileFeedHeld(['/delete'], () => s.vfs.remove('/delete/a.txt'));
  assert.deepEqual(distinct(seen['/delete']!), ['kept.txt']);
});

test('an overwrite made while an older feed page is on its way is not undone by it', async () => {
  await s.vfs.mkdir('/overwrite');
  await writeFile(s.vfs, '/overwrite/a.txt', Buffer.from('old'));
  await s.vfs.drain();
  const sizes: number[] = [];
  const hold = holdFirstCall(DriveRemote.prototype, 'changes', { after: true });
  try {
    const polled = s.admin.pollNow();
    await hold.reached;
    await writeFile(s.vfs, '/overwrite/a.txt', Buffer.from('new and longer'));
    await s.vfs.drain();
    hold.release();
    await polled;
    sizes.push((await s.vfs.stat('/overwrite/a.txt')).size);
  } finally {
    hold.restore();
  }
  assert.deepEqual(sizes, [14]);
});

test('own writes landing on every new read of a page: after three reads the page is applied without that node', async () => {
  await s.vfs.mkdir('/busy');
  await writeFile(s.vfs, '/busy/n0.txt', Buffer.from('a'));
  await s.vfs.drain();
  const before = feedReads();
  const original = DriveRemote.prototype.changes;
  let renames = 0;
  // Each of the first four answers comes back after a rename of the file made meanwhile.
  DriveRemote.prototype.changes = async function (this: DriveRemote, cursor: string) {
    const page = await original.call(this, cursor);
    if (renames < 4) await s.vfs.rename(`/busy/n${renames}.txt`, `/busy/n${++renames}.txt`);
    return page;
  };
  try {
    await s.admin.pollNow();
  } finally {
    DriveRemote.prototype.changes = original;
  }
  assert.equal(feedReads() - before, 4, 'the page, then read again three times');
  assert.deepEqual(await names('/busy'), ['n4.txt']);
});

test('a node the next feed page changes again is left to that page: its older state never shows between the two', async () => {
  await s.vfs.mkdir('/paged');
  await writeFile(s.vfs, '/paged/n0.txt', Buffer.from('n'));
  await s.vfs.drain();
  await s.admin.pollNow();
  // More renames of one file than a feed page holds (100): its item in the first page is older
  // than what the cache holds after the last rename.
  const renames = 150;
  for (let i = 0; i < renames; i++) await s.vfs.rename(`/paged/n${i}.txt`, `/paged/n${i + 1}.txt`);
  const before = feedReads();
  const seen = await listingsDuringPoll('/paged');
  assert.ok(feedReads() - before >= 2, 'the changes came in two pages or more');
  assert.deepEqual(distinct(seen), [`n${renames}.txt`]);
});

test('nodes written here whose changes in one feed pass are pages apart show no older state while the pass runs', async () => {
  await s.vfs.mkdir('/far');
  await writeFile(s.vfs, '/far/x0.txt', Buffer.from('x'));
  await writeFile(s.vfs, '/far/y0.txt', Buffer.from('y'));
  await s.vfs.drain();
  await s.admin.pollNow();
  // x's first rename opens the pass's first page; y's 250 renames fill it and the next two; x's
  // second rename comes in the third.
  await s.vfs.rename('/far/x0.txt', '/far/x1.txt');
  const renames = 250;
  for (let i = 0; i < renames; i++) await s.vfs.rename(`/far/y${i}.txt`, `/far/y${i + 1}.txt`);
  await s.vfs.rename('/far/x1.txt', '/far/x2.txt');
  const before = feedReads();
  const seen = await listingsDuringPoll('/far');
  assert.ok(feedReads() - before >= 3, 'the changes came in three pages or more');
  assert.deepEqual(distinct(seen), [['x2.txt', `y${renames}.txt`].join(',')]);
});
