// The mount hands freed memory back to the system once it goes quiet after work (src/fuse/memory-trim.ts): counted
// through the status the daemon reports, and the rule itself on a fake clock of CPU time.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { trimMemoryWhenQuiet } from '../../src/fuse/memory-trim.js';
import { fuseRequests, startFixture, uploaded } from './fixture.js';
import { fuseUnavailable } from './harness.js';

test('a trim starts at the first quiet look after the process worked, none while it works or stays idle', async () => {
  // CPU time on a fake clock: while working, a second of CPU per millisecond (every look sees work).
  let cpu = 0;
  let workingSince: number | undefined;
  const cpuNow = () => (workingSince === undefined ? cpu : cpu + (performance.now() - workingSince) * 1_000_000);
  const starts: boolean[] = [];
  const stop = trimMemoryWhenQuiet((start) => (starts.push(start), starts.length), cpuNow, 5);
  const look = () => new Promise((r) => setTimeout(r, 30));
  await look();
  assert.equal(starts.length, 0, 'idle: no trim');
  workingSince = performance.now();
  await look();
  cpu = cpuNow();
  workingSince = undefined;
  assert.equal(starts.length, 0, 'no trim while it works');
  await look();
  assert.deepEqual(starts, [true], 'one trim once quiet');
  await look();
  assert.equal(starts.length, 1, 'idle again: no more');
  stop();
  workingSince = performance.now();
  await look();
  assert.equal(starts.length, 1, 'stopped');
});

describe('memory trims of a working mount', { skip: fuseUnavailable() }, () => {
  test('a mount that wrote files hands freed memory back once quiet (the binding runs malloc_trim)', async () => {
    const fx = await startFixture();
    try {
      const dir = path.join(fx.mnt, 'trim');
      await fs.mkdir(dir);
      const data = Buffer.alloc(256 * 1024, 7);
      let trims = 0;
      // Work (copies and their uploads), then quiet until the daemon's timer looks again.
      for (let round = 0; round < 10 && trims === 0; round++) {
        for (let i = 0; i < 40; i++) await fs.writeFile(path.join(dir, `f${round}-${i}`), data);
        await uploaded(fx);
        for (let quiet = 0; quiet < 30 && trims === 0; quiet++) {
          await new Promise((r) => setTimeout(r, 200));
          trims = (await fuseRequests(fx)).memoryTrims;
        }
      }
      assert.ok(trims >= 1, `trims: ${trims}`);
    } finally {
      await fx.close();
    }
  });
});
