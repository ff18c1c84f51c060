import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BlockCache } from '../../src/cache/blocks/block-cache.js';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { VfsError } from '../../src/core/errors.js';
import { BS, readRange, setup } from './fixtures/block-sources.js';

test('returns the right bytes for any range, across block boundaries and at EOF', async (t) => {
  const size = 3 * BS + BS / 2 + 7; // the last block is shorter
  const { cache, file, data } = setup(t, size);
  const cases: [number, number][] = [
    [0, 1], [0, BS], [BS - 1, 2], [BS - 10, BS + 20], [0, size], [size - 1, 1], [size - 5, 100],
    [3 * BS, BS], [2 * BS + 3, 2 * BS], [size, 10], [size + 100, 10], [5, 0],
  ];
  for (let i = 0; i < 40; i++) {
    const pos = Math.floor(Math.random() * size);
    cases.push([pos, Math.floor(Math.random() * 2 * BS)]);
  }
  for (const [pos, len] of cases) {
    const got = await readRange(cache, file, pos, len);
    assert.deepEqual(got, data.subarray(pos, Math.min(size, pos + len)), `read ${len} at ${pos}`);
  }
});

test('concurrent misses on one block make one fetch', async (t) => {
  const { cache, file, data, source } = setup(t, 4 * BS);
  const reads = Array.from({ length: 12 }, (_, i) => readRange(cache, file, BS + i * 100, 50, `reader-${i}`));
  const results = await Promise.all(reads);
  results.forEach((got, i) => assert.deepEqual(got, data.subarray(BS + i * 100, BS + i * 100 + 50)));
  await cache.idle();
  assert.deepEqual(source.calls, [{ start: BS, end: 2 * BS - 1 }]);
  assert.equal(cache.stats().fetches, 1);
  assert.equal(cache.stats().fetchedBytes, BS);
});

test('concurrent misses are merged even without memory or disk tiers', async (t) => {
  const { cache, file, source } = setup(t, 2 * BS, { memBytes: 0, diskBytes: 0 });
  await Promise.all(Array.from({ length: 5 }, () => readRange(cache, file, 10, 10)));
  assert.equal(source.calls.length, 1);
});

test('a read over several missing blocks fetches them with one GET of just those blocks', async (t) => {
  const { cache, file, data, source } = setup(t, 10 * BS);
  assert.deepEqual(await readRange(cache, file, 2 * BS + 5, 3 * BS), data.subarray(2 * BS + 5, 5 * BS + 5));
  assert.deepEqual(source.calls, [{ start: 2 * BS, end: 6 * BS - 1 }]);
});

test('random reads fetch just their block, with no read-ahead', async (t) => {
  const { cache, file, source } = setup(t, 40 * BS);
  const blocks = [17, 3, 29, 8, 35, 12, 1, 22];
  for (const block of blocks) await readRange(cache, file, block * BS + 5, 100, 'rnd');
  await cache.idle();
  assert.deepEqual(source.calls, blocks.map((b) => ({ start: b * BS, end: (b + 1) * BS - 1 })));
  assert.equal(cache.stats().fetchedBytes, blocks.length * BS);
});

test('memory and disk tiers stay within their bounds while reading far more', async (t) => {
  const { cache, file, data, options } = setup(t, 40 * BS, { memBytes: 3 * BS, diskBytes: 5 * BS, maxReadAhead: 4 });
  const check = () => {
    const s = cache.stats();
    assert.ok(s.memBytes <= options.memBytes, `memory ${s.memBytes}`);
    assert.ok(cache.heldBytes <= options.memBytes, `buffers held ${cache.heldBytes}`);
    assert.ok(s.diskBytes <= options.diskBytes, `disk ${s.diskBytes}`);
  };
  for (let pos = 0; pos < data.length; pos += BS / 2) {
    assert.deepEqual(await readRange(cache, file, pos, BS / 2, 'seq'), data.subarray(pos, pos + BS / 2));
    check();
  }
  for (let i = 0; i < 20; i++) {
    const pos = Math.floor(Math.random() * data.length);
    assert.deepEqual(await readRange(cache, file, pos, 1000), data.subarray(pos, pos + 1000));
    check();
  }
  await cache.idle();
  check();
});

test('a new revision never returns the old bytes', async (t) => {
  const { cache, file, dataFile, source } = setup(t, 2 * BS);
  await readRange(cache, file, 0, 2 * BS);
  const changed = randomBytes(2 * BS);
  fs.writeFileSync(dataFile, changed);
  const next = { ...file, revision: 'r2' };
  assert.deepEqual(await readRange(cache, next, 0, 2 * BS), changed);
  assert.deepEqual(await readRange(cache, next, BS - 3, 6), changed.subarray(BS - 3, BS + 3));
  assert.equal(source.calls.length, 2, 'one GET per revision');
});

test("forget drops a file's blocks from both tiers", async (t) => {
  const { cache, file, source } = setup(t, 2 * BS);
  await readRange(cache, file, 0, 2 * BS);
  await cache.idle();
  cache.forget(file.volume, file.fileId);
  await readRange(cache, file, 0, 10);
  assert.equal(source.calls.length, 2);
});

test('blocks on disk serve reads after a restart with no fetch', async (t) => {
  const { cache, file, data, db, dbFile, root, source } = setup(t, 3 * BS);
  await readRange(cache, file, 0, 3 * BS);
  await cache.idle();
  db.close();

  const db2 = CacheDb.open(dbFile);
  t.after(() => db2.close());
  const again = new BlockCache(db2, path.join(root, 'blocks'), source, { blockSize: BS, memBytes: 8 * BS, diskBytes: 16 * BS });
  assert.deepEqual(await readRange(again, file, 0, 3 * BS), data);
  assert.equal(again.stats().fetches, 0);
  assert.equal(again.stats().hits, 3);
  assert.equal(source.calls.length, 1);
  await again.idle();
});

test('a source returning too few bytes is EIO and nothing is cached', async (t) => {
  const { cache, file, dataFile } = setup(t, 2 * BS);
  fs.truncateSync(dataFile, BS + 10);
  await assert.rejects(readRange(cache, file, BS, 100), (err) => VfsError.is(err, 'EIO'));
  assert.equal(cache.stats().memBytes, 0);
  assert.ok(cache.heldBytes <= BS, 'at most the spare buffer is kept, for reuse');
});

test('clear empties both tiers', async (t) => {
  const { cache, file } = setup(t, 4 * BS);
  await readRange(cache, file, 0, 4 * BS);
  await cache.clear();
  assert.equal(cache.stats().memBytes, 0);
  assert.equal(cache.stats().diskBytes, 0);
});

test('blocks stored under another block size are never served', async (t) => {
  const { cache, file, data, db, dbFile, root, source } = setup(t, 4 * BS);
  await readRange(cache, file, 0, 4 * BS);
  await cache.idle();
  db.close();

  const db2 = CacheDb.open(dbFile);
  t.after(() => db2.close());
  const smaller = new BlockCache(db2, path.join(root, 'blocks'), source, { blockSize: BS / 2, memBytes: 8 * BS, diskBytes: 16 * BS });
  assert.deepEqual(await readRange(smaller, file, BS / 2, BS), data.subarray(BS / 2, BS / 2 + BS));
  assert.equal(smaller.stats().fetchedBytes, BS);
  await smaller.idle();
});
