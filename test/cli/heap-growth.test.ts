// The daemon lets its old generation grow further while downloads or listings stream, and goes back
// to the tight growth once they stop: the flags it would hand V8 are counted. The counter of fetched bytes moves
// by a phase's amount each time it is read (once a tick: 20 ms here instead of a second), so the
// test does not depend on how its own sleeps line up with the ticks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { growHeapWhileStreaming, OLD_GENERATION_GROWTH_PERCENT, STREAMING_GROWTH_PERCENT } from '../../src/cli/heap-growth.js';
import { LISTING_STARTED } from '../../src/vfs/dir-cache.js';

const TICK_MS = 20;
const MiB = 1024 * 1024;

test('the heap grows further while downloads stream, and tight again once they stop', async () => {
  let fetched = 0;
  let perTick = 0;
  let reads = 0;
  const flags: string[] = [];
  const ticks = async (n: number, bytes: number) => {
    perTick = bytes;
    for (const until = reads + n; reads < until; ) await sleep(5);
  };
  const stop = growHeapWhileStreaming(() => (reads++, (fetched += perTick)), (f) => flags.push(f), TICK_MS);
  try {
    // A trickle (a listing's few blocks): 8 MiB a second is 160 KiB a tick; 16 KiB is not.
    await ticks(5, 16 * 1024);
    assert.deepEqual(flags, [], 'a trickle changes nothing');
    await ticks(5, 4 * MiB);
    assert.deepEqual(flags, [`--heap-growing-percent=${STREAMING_GROWTH_PERCENT}`], 'set once while streaming');
    await ticks(5, 0);
    assert.deepEqual(flags, [`--heap-growing-percent=${STREAMING_GROWTH_PERCENT}`, `--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`], 'back once the stream stops');
  } finally {
    stop();
  }
});

test('a walk\'s listings let the heap grow at once, one folder read alone does not, and it is tight again a quiet tick later', async () => {
  let reads = 0;
  const flags: string[] = [];
  const ticks = async (n: number) => {
    for (const until = reads + n; reads < until; ) await sleep(5);
  };
  const stop = growHeapWhileStreaming(() => (reads++, 0), (f) => flags.push(f), TICK_MS);
  const grown = `--heap-growing-percent=${STREAMING_GROWTH_PERCENT}`;
  const tight = `--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`;
  try {
    await ticks(1);
    LISTING_STARTED.publish('alone');
    await ticks(2);
    assert.deepEqual(flags, [], 'one listing in a tick changes nothing');
    LISTING_STARTED.publish('d0');
    LISTING_STARTED.publish('d1');
    assert.deepEqual(flags, [grown], 'set as the second listing starts, before any tick');
    LISTING_STARTED.publish('d2');
    await ticks(1);
    assert.deepEqual(flags, [grown], 'kept through the tick that saw listings start');
    await ticks(2);
    assert.deepEqual(flags, [grown, tight], 'back after a tick without them');
  } finally {
    stop();
  }
  LISTING_STARTED.publish('d3');
  LISTING_STARTED.publish('d4');
  assert.equal(flags.length, 2, 'stopped: no longer listening');
});
