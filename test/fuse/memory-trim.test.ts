// The mount hands freed memory back to the system while it works (src/fuse/memory-trim.ts): counted
// through the status the daemon reports, and the rule itself on a fake clock of CPU time.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { trimMemoryWhileWorking } from '../../src/fuse/memory-trim.js';
import { fuseRequests, startFixture, uploaded } from './fixture.js';
import { fuseUnavailable } from './harness.js';

test('a trim starts at each look after enough CPU time since the last one, and none while idle', async () => {
  let cpu = 0;
  const starts: boolean[] = [];
  const stop = trimMemoryWhileWorking((start) => (starts.push(start), starts.length), () => cpu, 5);
  const looks = () => new Promise((r) => setTimeout(r, 30));
  await looks();
  assert.equal(starts.length, 0, 'idle: no trim');
  cpu += 150_000;
  await looks();
  assert.deepEqual(starts, [true], 'one trim after 150 ms of CPU, then idle again');
  cpu += 50_000;
  await looks();
  assert.equal(starts.length, 1, '50 ms of CPU since: too little');
  cpu += 60_000;
  await looks();
  assert.equal(starts.length, 2);
  stop();
  cpu += 1_000_000;
  await looks();
  assert.equal(starts.length, 2, 'stopped');
});

describe('memory trims of a working mount', { skip: fuseUnavailable() }, () => {
  test('a mount that writes files hands freed memory back (the binding runs malloc_trim)', async () => {
    const fx = await startFixture();
    try {
      const dir = path.join(fx.mnt, 'trim');
      await fs.mkdir(dir);
      const data = Buffer.alloc(256 * 1024, 7);
      let trims = 0;
      // Writing until the daemon has worked through a look of its timer (CPU well past the rule's 100 ms).
      for (let round = 0; round < 40 && trims === 0; round++) {
        for (let i = 0; i < 20; i++) await fs.writeFile(path.join(dir, `f${round}-${i}`), data);
        await uploaded(fx);
        trims = (await fuseRequests(fx)).memoryTrims;
      }
      assert.ok(trims >= 1, `trims: ${trims}`);
    } finally {
      await fx.close();
    }
  });
});
