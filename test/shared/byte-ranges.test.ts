import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteRanges } from '../../src/shared/byte-ranges.js';

test('ranges merge when they touch or overlap, and stay sorted', () => {
  const r = new ByteRanges([[10, 20], [0, 5]]);
  r.add(5, 7); // touches [0,5)
  r.add(30, 40);
  r.add(18, 31); // bridges [10,20) and [30,40)
  r.add(50, 50); // empty: ignored
  assert.deepEqual(r.toJSON(), [[0, 7], [10, 40]]);
});

test('gaps and pieces of a window', () => {
  const r = new ByteRanges([[0, 7], [10, 40]]);
  assert.deepEqual(r.gaps(0, 50), [[7, 10], [40, 50]]);
  assert.deepEqual(r.gaps(12, 30), []);
  assert.deepEqual(r.gaps(5, 12), [[7, 10]]);
  assert.deepEqual(r.pieces(5, 45), [
    { start: 5, end: 7, inSet: true },
    { start: 7, end: 10, inSet: false },
    { start: 10, end: 40, inSet: true },
    { start: 40, end: 45, inSet: false },
  ]);
  assert.deepEqual(new ByteRanges().pieces(3, 9), [{ start: 3, end: 9, inSet: false }]);
});
