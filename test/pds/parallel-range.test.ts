// A long range read as segments (parallel-range.ts), on a clock the test moves and segments made in
// memory: a lone stream faster than the uncapped rate runs on fewer, longer GETs, and however long
// a segment grows, it holds no more unread bytes than a base-size one. Counts, never times.
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { test } from 'node:test';
import { ByteBudget, parallelRange, type SegmentOpener } from '../../src/pds/parallel-range.js';

const SEGMENT = 256 * 1024;
const CHUNK = 64 * 1024;
const SIZE = 64 * 1024 * 1024;

/**
 * Segments whose bytes say where they are (byte i is i % 251), a chunk each 10 ms of the test's
 * clock (6.25 MiB/s, whatever the number of streams): `pulled` counts the bytes taken from them.
 */
function memorySegments() {
  const clock = { t: 0 };
  const seen = { opens: [] as number[], pulled: 0, open: 0 };
  const open: SegmentOpener = async (start, end) => {
    seen.opens.push(end - start + 1);
    seen.open++;
    return (async function* () {
      try {
        for (let at = start; at <= end; at += CHUNK) {
          const chunk = Buffer.alloc(Math.min(CHUNK, end - at + 1));
          for (let i = 0; i < chunk.length; i++) chunk[i] = (at + i) % 251;
          clock.t += 10;
          seen.pulled += chunk.length;
          yield chunk;
        }
      } finally {
        seen.open--;
      }
    })();
  };
  return { clock, seen, open };
}

test('a lone stream above the uncapped rate runs on longer segments, each holding no more unread than a base-size one', async () => {
  const { clock, seen, open } = memorySegments();
  const opts = { segmentBytes: SEGMENT, maxStreams: 8, budget: new ByteBudget(4 * SEGMENT), uncappedRate: 1024 * 1024, now: () => clock.t };
  let consumed = 0;
  let mostUnread = 0;
  for await (const chunk of await parallelRange(open, 0, SIZE - 1, opts)) {
    for (const i of [0, chunk.length - 1]) assert.equal(chunk[i], (consumed + i) % 251, `byte ${consumed + i}`);
    consumed += chunk.length;
    mostUnread = Math.max(mostUnread, seen.pulled - consumed);
    // A slow reader: the segment being read would run ahead of it by all it has, if let.
    await turn();
  }
  assert.equal(consumed, SIZE);
  assert.ok(Math.max(...seen.opens) === 16 * SEGMENT, `longest segment: ${Math.max(...seen.opens)}`);
  assert.ok(seen.opens.length < 40, `GETs for ${SIZE / SEGMENT} base segments: ${seen.opens.length}`);
  assert.ok(mostUnread <= SEGMENT + CHUNK, `unread bytes held: ${mostUnread}`);
});

test('below the uncapped rate, segments keep the base size', async () => {
  const { clock, seen, open } = memorySegments();
  const opts = { segmentBytes: SEGMENT, maxStreams: 8, budget: new ByteBudget(4 * SEGMENT), uncappedRate: 64 * 1024 * 1024, now: () => clock.t };
  let consumed = 0;
  for await (const chunk of await parallelRange(open, 0, 8 * 1024 * 1024 - 1, opts)) consumed += chunk.length;
  assert.equal(consumed, 8 * 1024 * 1024);
  assert.equal(Math.max(...seen.opens), SEGMENT);
});

test('a reader that leaves during a long segment ends it', async () => {
  const { clock, seen, open } = memorySegments();
  const opts = { segmentBytes: SEGMENT, maxStreams: 8, budget: new ByteBudget(4 * SEGMENT), uncappedRate: 1024 * 1024, now: () => clock.t };
  const range = await parallelRange(open, 0, SIZE - 1, opts);
  let consumed = 0;
  for await (const chunk of range) {
    consumed += chunk.length;
    await turn();
    if (Math.max(...seen.opens) === 16 * SEGMENT) break;
  }
  assert.equal(seen.open, 0, 'every segment ended');
  assert.ok(seen.pulled - consumed <= SEGMENT + CHUNK, `bytes taken past the reader: ${seen.pulled - consumed}`);
  assert.equal(opts.budget.inUse, 0);
});
