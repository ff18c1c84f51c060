// Uploads yield to the foreground: while the front-ends' requests keep arriving, one upload runs at
// a time and the queue still moves; once they stop, the rest go up several at once without a drain
// asking; a drain asked while the foreground is busy gets them all at full width, and so does a
// backlog of due uploads too long for one at a time (a writer faster than the round trips). Counted at the
// local server (file/create requests in flight at once, with added latency so that uploads started
// together overlap there); the foreground's clock is the test's, so "busy" and "quiet" are not timing.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ForegroundActivity } from '../../src/vfs/foreground.js';
import { type StartedApp, startApp, writeFile } from '../helpers/app.js';

const CREATE = '/v2/file/create';

async function setUp(): Promise<{ s: StartedApp; dir: string; quiet: () => void }> {
  // The clock stands still: every request counts as just made until quiet() moves it on.
  let clock = 0;
  const foreground = new ForegroundActivity(() => clock);
  const s = await startApp({ writeBackMs: 0 }, {}, { foreground });
  after(() => s.close());
  s.emu.setFaults({ latencyMs: 30 });
  return { s, dir: `/drives/${s.app.volumes[0]!.dirName}`, quiet: () => (clock += 60_000) };
}

const pending = (s: StartedApp) => s.admin.status().pendingFiles;

async function untilPendingAtMost(s: StartedApp, n: number): Promise<void> {
  while (pending(s) > n) await sleep(10);
}

test('uploads run one at a time while the foreground is busy, and all at once when it is quiet', async () => {
  const { s, dir, quiet } = await setUp();
  for (let i = 0; i < 24; i++) await writeFile(s.vfs, `${dir}/busy-${i}.txt`, Buffer.from(`file ${i}`));
  // Still busy (the clock has not moved since the last write): the queue moves, one upload at a time.
  await untilPendingAtMost(s, 20);
  assert.equal(s.emu.stats.inFlightPeak[CREATE], 1, 'one upload at a time while busy');

  const createdWhileBusy = s.emu.stats.requests[CREATE]!;
  s.emu.resetStats();
  quiet();
  await untilPendingAtMost(s, 0);
  assert.ok((s.emu.stats.inFlightPeak[CREATE] ?? 0) >= 4, `uploads at once when quiet: ${s.emu.stats.inFlightPeak[CREATE]}`);
  assert.equal(createdWhileBusy + s.emu.stats.requests[CREATE]!, 24, 'each file created once');
});

test('a drain asked while the foreground is busy runs the uploads at full width', async () => {
  const { s, dir } = await setUp();
  for (let i = 0; i < 16; i++) await writeFile(s.vfs, `${dir}/drained-${i}.txt`, Buffer.from(`file ${i}`));
  s.emu.resetStats();
  await s.vfs.drain();
  assert.equal(pending(s), 0);
  assert.ok((s.emu.stats.inFlightPeak[CREATE] ?? 0) >= 4, `uploads at once while draining: ${s.emu.stats.inFlightPeak[CREATE]}`);
});

test('a backlog of due uploads too long for one at a time goes at full width while the foreground stays busy', async () => {
  const { s, dir } = await setUp();
  // 40 due at once: more than BEHIND_DUE_ROWS (32) wait for the one slot.
  for (let i = 0; i < 40; i++) await writeFile(s.vfs, `${dir}/behind-${i}.txt`, Buffer.from(`file ${i}`));
  await untilPendingAtMost(s, 0);
  assert.ok((s.emu.stats.inFlightPeak[CREATE] ?? 0) >= 4, `uploads at once with a long backlog: ${s.emu.stats.inFlightPeak[CREATE]}`);
  assert.equal(s.emu.stats.requests[CREATE], 40, 'each file created once');
});
