// The rule that sets how many transfers run at once, on a clock the test moves: the count grows
// while each full round at n + 1 moves at least 1/2n more bytes per ms than the round before at n
// (half of what one more capped connection adds), never past its bound; a round that does not pay
// steps back, and the count is tried again later, after twice as many rounds each time it did not
// pay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveCount } from '../../src/pds/adaptive-count.js';

/** Finishes one full round of `count.current` transfers of `bytes` each, taking `ms` in all. */
function round(count: AdaptiveCount, clock: { t: number }, bytes: number, ms: number): void {
  clock.t += ms;
  for (let n = count.current; n > 0; n--) count.finished(bytes);
}

test('grows by one per round while throughput grows, up to the bound', () => {
  const clock = { t: 0 };
  const count = new AdaptiveCount(4, () => clock.t);
  assert.equal(count.current, 1);
  // Every connection is capped: each round takes as long as one transfer, so n at once is n times faster.
  const seen = [count.current];
  for (let i = 0; i < 6; i++) {
    round(count, clock, 1000, 100);
    seen.push(count.current);
  }
  assert.deepEqual(seen, [1, 2, 3, 4, 4, 4, 4]);
});

test('steps back when a round does not pay, and tries again later, waiting longer each time it does not pay', () => {
  const clock = { t: 0 };
  const count = new AdaptiveCount(8, () => clock.t);
  round(count, clock, 1000, 100); // 10 bytes/ms with 1
  round(count, clock, 1000, 100); // 20 with 2
  assert.equal(count.current, 3);
  round(count, clock, 1000, 140); // 21.4 with 3: not 25% better than 20
  assert.equal(count.current, 2);
  // Where more streams never pay (each round takes as long per byte), the count stays at 2 but for
  // a probe at 3 now and then: after 2 rounds, then 4, then 8.
  const seen: number[] = [];
  for (let i = 0; i < 18; i++) {
    seen.push(count.current);
    round(count, clock, 1000, 50 * count.current);
  }
  assert.deepEqual(seen, [2, 2, 3, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2]);
});

test('one slow round does not fix the count: a later probe grows it again', () => {
  const clock = { t: 0 };
  const count = new AdaptiveCount(8, () => clock.t);
  round(count, clock, 1000, 100); // 10 bytes/ms with 1
  round(count, clock, 1000, 100); // 20 with 2
  round(count, clock, 1000, 300); // 10 with 3: one transfer was slow (a busy machine)
  assert.equal(count.current, 2);
  // Every connection capped again: n at once is n times faster; the count climbs to its bound.
  for (let i = 0; i < 12; i++) round(count, clock, 1000, 100);
  assert.equal(count.current, 8);
});

test('a bound of one never grows', () => {
  const clock = { t: 0 };
  const count = new AdaptiveCount(1, () => clock.t);
  for (let i = 0; i < 3; i++) round(count, clock, 1000, 100 / (i + 1));
  assert.equal(count.current, 1);
});

test('gains of a few percent (noise where more connections do not help) never add a stream', () => {
  const clock = { t: 0 };
  const count = new AdaptiveCount(8, () => clock.t);
  // Each round 20% faster than the one before, whatever the count: well past a fixed 10% bar.
  let ms = 100_000;
  for (let i = 0; i < 40; i++) {
    round(count, clock, 1000, ms * count.current);
    ms /= 1.2;
  }
  assert.ok(count.current <= 2, `streams: ${count.current}`);
});

test('a flat bar (uploads) grows on any gain past it', () => {
  const clock = { t: 0 };
  const count = new AdaptiveCount(8, () => clock.t, () => 0.1);
  round(count, clock, 1000, 100); // 10 bytes/ms with 1
  round(count, clock, 1000, 80); // 25 with 2: past 10%, though short of the default bar of 50%
  assert.equal(count.current, 3);
});

test('a minimum round time pools short transfers: their noise adds no stream where more do not help', () => {
  // Throughput is the same at any count (a CPU-bound loopback), each transfer 8-32 ms (20 ± 60%), at random.
  const run = (minRoundMs: number): number[] => {
    let x = 42;
    const random = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    const clock = { t: 0 };
    const count = new AdaptiveCount(8, () => clock.t, undefined, minRoundMs);
    const seen: number[] = [];
    for (let i = 0; i < 400; i++) {
      clock.t += 20 * (0.4 + 1.2 * random());
      count.finished(1000);
      seen.push(count.current);
    }
    return seen;
  };
  // Judged a transfer or two at a time, lucky ones clear even the bar of 50% and add streams.
  assert.ok(Math.max(...run(0)) >= 3, 'without a minimum round, noise adds streams');
  const pooled = run(250);
  assert.ok(Math.max(...pooled) <= 2, `streams: ${Math.max(...pooled)}`);
  assert.ok(pooled.filter((n) => n === 1).length >= 0.8 * pooled.length, 'one stream but for a probe now and then');
});

test('once one transfer moved more than probeBelow, the count is one, through slower rounds, until a cap shows', () => {
  const clock = { t: 0 };
  // A probe is made only below 40 bytes/ms per transfer: capped connections are slower than that.
  const count = new AdaptiveCount(8, () => clock.t, undefined, 0, 40);
  // A slow start (a process warming up: 20 bytes/ms, then 1.5 times as fast at each count) grows the count.
  round(count, clock, 1000, 50);
  round(count, clock, 1000, 66);
  assert.equal(count.current, 3);
  // 50 bytes/ms per transfer: no cap in sight, so back to one.
  round(count, clock, 1000, 20);
  assert.equal(count.current, 1);
  assert.equal(count.uncapped, true);
  // Rounds at 12-100 bytes/ms (a busy CPU, collections): no probe, one stream throughout.
  for (const ms of [10, 80, 30, 60, 15]) {
    round(count, clock, 1000, ms);
    assert.equal(count.current, 1, `after a round of ${1000 / ms} bytes/ms`);
  }
  // Capped now at 5 bytes/ms per connection, under a quarter of 40: probes again, and the count climbs.
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    round(count, clock, 1000, 200);
    seen.push(count.current);
  }
  assert.deepEqual(seen, [2, 3, 4, 5]);
  assert.equal(count.uncapped, false);
});
