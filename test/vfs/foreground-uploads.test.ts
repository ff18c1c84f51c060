// Uploads yield to the foreground: while the front-ends' requests keep arriving (100 a second or
// more; a script asking now and then whether its file is uploaded does not count), the first 30 s of
// the busy stretch start no upload at all, and after that one at a time (the queue still moves);
// once the requests stop, the uploads go several at once without a drain asking. A drain asked while
// the foreground is busy, a backlog too long for one at a time (a writer faster than the round
// trips), and dirty bytes near their bound all get full width. Counted at the local server
// (file/create requests made, and in flight at once, with added latency so that uploads started
// together overlap there); the foreground's clock is the test's, so "busy" and "quiet" are not timing.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppOptions } from '../../src/app-options.js';
import { ForegroundActivity } from '../../src/vfs/foreground.js';
import { type StartedApp, startApp, writeFile } from '../helpers/app.js';

const CREATE = '/v2/file/create';

interface Busy {
  s: StartedApp;
  dir: string;
  /** Keeps the foreground busy, without a quiet gap, for `ms` more of its clock. */
  stayBusy: (ms: number) => void;
  /** Moves the foreground's clock on. */
  advance: (ms: number) => void;
  quiet: () => void;
}

async function setUp(overrides: Partial<AppOptions> = {}): Promise<Busy> {
  // The clock stands still unless the test moves it: every request counts as just made.
  let clock = 0;
  const foreground = new ForegroundActivity(() => clock);
  const s = await startApp({ writeBackMs: 0, ...overrides }, {}, { foreground });
  after(() => s.close());
  s.emu.setFaults({ latencyMs: 30 });
  // 20 requests every 100 ms: 200 a second, over the busy rate (100).
  const burst = () => {
    for (let i = 0; i < 20; i++) foreground.touch();
  };
  // Busy from the start: the first requests of a burst do not make a rate yet.
  burst();
  return {
    s,
    dir: `/drives/${s.app.volumes[0]!.dirName}`,
    stayBusy: (ms) => {
      for (const end = clock + ms; clock < end; clock += 100) burst();
      burst();
    },
    advance: (ms) => (clock += ms),
    quiet: () => (clock += 60_000),
  };
}

const pending = (s: StartedApp) => s.admin.status().pendingFiles;
const created = (s: StartedApp) => s.emu.stats.requests[CREATE] ?? 0;

async function untilPendingAtMost(s: StartedApp, n: number): Promise<void> {
  while (pending(s) > n) await sleep(10);
}

test('uploads wait while the foreground is busy, and go several at once when it is quiet', async () => {
  const { s, dir, quiet } = await setUp();
  for (let i = 0; i < 24; i++) await writeFile(s.vfs, `${dir}/busy-${i}.txt`, Buffer.from(`file ${i}`));
  // Due at once (no write-back delay), but the foreground is busy: several looks at the queue
  // (each commit kicks one, and one follows every 200 ms) start nothing.
  await sleep(500);
  assert.equal(created(s), 0, 'no upload while the foreground is busy');
  assert.equal(pending(s), 24);

  quiet();
  await untilPendingAtMost(s, 0);
  assert.ok((s.emu.stats.inFlightPeak[CREATE] ?? 0) >= 4, `uploads at once when quiet: ${s.emu.stats.inFlightPeak[CREATE]}`);
  assert.equal(created(s), 24, 'each file created once');
});

test('a few requests now and then do not hold the uploads back', async () => {
  const { s, dir, quiet, advance } = await setUp();
  for (let i = 0; i < 8; i++) await writeFile(s.vfs, `${dir}/polled-${i}.txt`, Buffer.from(`file ${i}`));
  quiet();
  // What a script waiting for its uploads does: a stat every 100 ms (of the test's clock).
  let clockSteps = 0;
  while (pending(s) > 0) {
    advance(100);
    await s.vfs.stat(`${dir}/polled-0.txt`);
    if (++clockSteps > 500) assert.fail(`still ${pending(s)} pending after 500 polls`);
    await sleep(10);
  }
  assert.equal(created(s), 8, 'each file created once');
});

test('a foreground busy for longer than the hold sees its uploads go one at a time', async () => {
  const { s, dir, stayBusy, quiet } = await setUp();
  for (let i = 0; i < 24; i++) await writeFile(s.vfs, `${dir}/long-${i}.txt`, Buffer.from(`file ${i}`));
  stayBusy(31_000);
  // Still busy (the clock stands after the last touch): the queue moves, one upload at a time.
  await untilPendingAtMost(s, 20);
  assert.equal(s.emu.stats.inFlightPeak[CREATE], 1, 'one upload at a time after the hold');
  quiet();
  await untilPendingAtMost(s, 0);
  assert.equal(created(s), 24, 'each file created once');
});

test('a drain asked while the foreground is busy runs the uploads at full width', async () => {
  const { s, dir } = await setUp();
  for (let i = 0; i < 16; i++) await writeFile(s.vfs, `${dir}/drained-${i}.txt`, Buffer.from(`file ${i}`));
  await s.vfs.drain();
  assert.equal(pending(s), 0);
  assert.ok((s.emu.stats.inFlightPeak[CREATE] ?? 0) >= 4, `uploads at once while draining: ${s.emu.stats.inFlightPeak[CREATE]}`);
});

test('a backlog of due uploads too long for one at a time goes at full width while the foreground stays busy', async () => {
  const { s, dir, stayBusy } = await setUp();
  // 40 due at once: more than BEHIND_DUE_ROWS (32) wait for the one slot.
  for (let i = 0; i < 40; i++) await writeFile(s.vfs, `${dir}/behind-${i}.txt`, Buffer.from(`file ${i}`));
  stayBusy(31_000);
  await untilPendingAtMost(s, 0);
  assert.ok((s.emu.stats.inFlightPeak[CREATE] ?? 0) >= 4, `uploads at once with a long backlog: ${s.emu.stats.inFlightPeak[CREATE]}`);
  assert.equal(created(s), 40, 'each file created once');
});

test('dirty bytes past half their bound are not held for a busy foreground', async () => {
  // 8 files of 4 KiB against a bound of 16 KiB: past half of it after the third.
  const { s, dir } = await setUp({ maxDirtyBytes: 16 * 1024 });
  for (let i = 0; i < 8; i++) await writeFile(s.vfs, `${dir}/full-${i}.bin`, Buffer.alloc(4096, i));
  await untilPendingAtMost(s, 2);
  assert.ok(created(s) >= 6, `uploads while busy near the dirty bound: ${created(s)}`);
});
