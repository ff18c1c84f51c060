// Streamed runs: one GET feeding many blocks, readers woken per block, bounds while streaming,
// partial disk reads.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { test } from 'node:test';
import { BlockCache, type CachedFile } from '../../src/cache/blocks/block-cache.js';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { VfsError } from '../../src/core/errors.js';
import { BS, blockFiles, GatedSource, readRange, setup, until } from './fixtures/block-sources.js';
import { makeTempDir } from './temp-dir.js';

test('a sequential reader is served by one streamed GET, cut into the right blocks', async (t) => {
  const size = 40 * BS + 123;
  const chunk = 7777;
  const { cache, file, data, source } = setup(t, size, { memBytes: 32 * BS, diskBytes: 64 * BS, maxReadAhead: 4 }, chunk);
  const step = Math.floor(BS / 3);
  for (let pos = 0; pos < size; pos += step) {
    assert.deepEqual(await readRange(cache, file, pos, step, 'seq'), data.subarray(pos, pos + step), `read at ${pos}`);
    const readBlock = Math.floor(Math.min(size - 1, pos + step - 1) / BS);
    assert.ok(cache.stats().fetchedBytes <= (readBlock + 1 + 4) * BS + chunk, `read-ahead stays within 4 blocks at ${pos}`);
  }
  // The first read is not known to be sequential: its block alone; then one GET to the end.
  assert.deepEqual(source.calls, [{ start: 0, end: BS - 1 }, { start: BS, end: size - 1 }]);
  assert.equal(cache.stats().fetchedBytes, size, 'every byte fetched once');
});

test('read-ahead blocks are hits, and the paused GET continues as the reader moves on', async (t) => {
  const { cache, file, data, source } = setup(t, 40 * BS, { memBytes: 32 * BS, diskBytes: 64 * BS, maxReadAhead: 4 });
  for (let pos = 0; pos < 4 * BS; pos += BS / 4) await readRange(cache, file, pos, BS / 4, 'seq');
  await until(() => cache.stats().fetchedBytes >= 6 * BS);
  const misses = cache.stats().misses;
  assert.deepEqual(await readRange(cache, file, 4 * BS, 2 * BS, 'seq'), data.subarray(4 * BS, 6 * BS));
  assert.equal(cache.stats().misses, misses, 'prefetched blocks are hits');
  for (let pos = 6 * BS; pos < 20 * BS; pos += BS) await readRange(cache, file, pos, BS, 'seq');
  assert.equal(source.calls.length, 2, 'still the same GET');
});

test('a GET left waiting by its reader ends after the idle time', async (t) => {
  const { cache, file, source } = setup(t, 40 * BS, { memBytes: 32 * BS, runIdleMs: 20 });
  for (let pos = 0; pos < 4 * BS; pos += BS) await readRange(cache, file, pos, BS, 'seq');
  assert.equal(source.streams.length, 2);
  await until(() => source.streams[1]!.destroyed);
  assert.ok(cache.stats().fetchedBytes < 20 * BS, 'it did not read on to the end');
});

test('readers of a block wake as soon as it is complete, before the GET ends', async (t) => {
  const { dir: root, remove } = makeTempDir();
  const db = CacheDb.open(path.join(root, 'metadata.sqlite'));
  const source = new GatedSource();
  const cache = new BlockCache(db, path.join(root, 'blocks'), source, { blockSize: BS, memBytes: 8 * BS, diskBytes: 8 * BS });
  // One hook, in this order (hooks run in the order added): block writes end before the dir goes.
  t.after(async () => {
    await cache.idle();
    db.close();
    remove();
  });
  const data = Buffer.alloc(3 * BS, 7).fill(1, BS).fill(2, 2 * BS);
  const file: CachedFile = { volume: 'v', fileId: 'f', revision: 'r', size: data.length };
  let wholeDone = false;
  const whole = readRange(cache, file, 0, 3 * BS, 'a').then((b) => ((wholeDone = true), b));
  const head = readRange(cache, file, 10, 100, 'b');
  await until(() => source.bodies.length === 1);
  const body = source.bodies[0]!;
  body.write(data.subarray(0, BS + 1000)); // block 0 and part of block 1
  assert.deepEqual(await head, data.subarray(10, 110));
  assert.equal(wholeDone, false, 'the read of all three blocks still waits');
  body.end(data.subarray(BS + 1000));
  assert.deepEqual(await whole, data);
  assert.equal(source.bodies.length, 1, 'one GET for all');
});

test('a source failing mid-stream fails the blocks it claimed; the next read fetches again', async (t) => {
  const { file, data, dataFile } = setup(t, 4 * BS);
  const calls: number[] = [];
  const failing = {
    async open(_f: CachedFile, start: number, end: number): Promise<Readable> {
      calls.push(start);
      const stream = fs.createReadStream(dataFile, { start, end, highWaterMark: 10_000 });
      if (calls.length > 1) return stream;
      let sent = 0;
      const cut = new Transform({
        transform(chunk: Buffer, _enc, done) {
          sent += chunk.length;
          done(sent > BS + BS / 2 ? new Error('connection reset') : null, chunk);
        },
      });
      return stream.pipe(cut);
    },
  };
  const dir = path.dirname(dataFile);
  const db = CacheDb.open(path.join(dir, 'flaky.sqlite'));
  const flaky = new BlockCache(db, path.join(dir, 'flaky'), failing, { blockSize: BS, memBytes: 8 * BS, diskBytes: 8 * BS });
  try {
    await assert.rejects(readRange(flaky, file, 0, 3 * BS), (err) => VfsError.is(err, 'EIO'));
    assert.deepEqual(await readRange(flaky, file, 0, 3 * BS), data.subarray(0, 3 * BS));
    assert.deepEqual(calls, [0, BS], 'block 0 had landed; the retry starts at block 1');
  } finally {
    await flaky.idle();
    db.close();
  }
});

test('concurrent sequential readers get the right bytes with every buffer within the budget', async (t) => {
  const memBytes = 6 * BS;
  const { cache, file, data, source } = setup(t, 30 * BS + 77, { memBytes, diskBytes: 10 * BS, maxReadAhead: 4 }, 9000);
  const other: CachedFile = { ...file, fileId: 'f2' }; // same bytes under another identity
  let worst = 0;
  source.onChunk = () => (worst = Math.max(worst, cache.heldBytes));
  const reader = async (f: CachedFile, id: string, from: number, step: number) => {
    for (let pos = from; pos < data.length; pos += step) {
      assert.deepEqual(await readRange(cache, f, pos, step, id), data.subarray(pos, pos + step), `${id} at ${pos}`);
      worst = Math.max(worst, cache.heldBytes);
    }
  };
  await Promise.all([reader(file, 'a', 0, 5000), reader(file, 'b', 7 * BS + 3, 20_000), reader(other, 'c', 0, BS), reader(other, 'd', 100, 3 * BS)]);
  assert.ok(worst <= memBytes, `held ${worst} bytes of block buffers, budget ${memBytes}`);
  assert.ok(cache.stats().memBytes <= memBytes);
});

test('a source faster than the disk is held back: every block reaches the disk tier, within the memory budget', async (t) => {
  const blocks = 40;
  const memBytes = 4 * BS;
  // The whole file arrives as one chunk: every block lands before any disk write can finish.
  const { cache, file, data, source } = setup(t, blocks * BS, { memBytes, diskBytes: 64 * BS, maxReadAhead: 8 }, blocks * BS);
  let worst = 0;
  for (let pos = 0; pos < data.length; pos += BS) {
    assert.deepEqual(await readRange(cache, file, pos, BS, 'seq'), data.subarray(pos, pos + BS));
    worst = Math.max(worst, cache.heldBytes);
  }
  await cache.idle();
  assert.ok(cache.stats().diskWaits > 0, 'read-ahead waited for the disk');
  assert.ok(worst <= memBytes, `held ${worst} bytes of block buffers, budget ${memBytes}`);
  assert.equal(cache.stats().diskBytes, blocks * BS, 'every block is on disk');
  const fetches = source.calls.length;
  for (let pos = 0; pos < data.length; pos += BS) assert.deepEqual(await readRange(cache, file, pos, BS, 'again'), data.subarray(pos, pos + BS));
  assert.equal(source.calls.length, fetches, 'the second read fetches nothing');
  assert.equal(cache.stats().fetchedBytes, blocks * BS);
});

test('disk hits read just the bytes asked for, right at block edges and EOF', async (t) => {
  const size = 3 * BS + 100;
  const { cache, file, data, source, root } = setup(t, size, { memBytes: 0, diskBytes: 8 * BS });
  for (let block = 0; block < 4; block++) {
    await readRange(cache, file, block * BS, BS, `fill${block}`);
    await cache.idle(); // with no memory tier, a block whose disk write is skipped would be gone
  }
  const cases: [number, number][] = [[0, 1], [BS - 1, 2], [BS - 3, BS + 6], [2 * BS, BS], [size - 1, 1], [size - 5, 100], [3 * BS, 100], [0, size]];
  for (const [pos, len] of cases) {
    assert.deepEqual(await readRange(cache, file, pos, len, `r${pos}`), data.subarray(pos, Math.min(size, pos + len)), `read ${len} at ${pos}`);
  }
  assert.equal(source.calls.length, 4, 'all from disk');

  // A damaged block file is dropped and fetched again, never served short.
  for (const f of blockFiles(path.join(root, 'blocks'))) if (fs.statSync(f).size === 100) fs.truncateSync(f, 10);
  assert.deepEqual(await readRange(cache, file, size - 50, 50), data.subarray(size - 50));
  assert.deepEqual(source.calls.at(-1), { start: 3 * BS, end: size - 1 });
});

test('when every run slot holds a paused GET, a new sequential reader closes one instead of going without', async (t) => {
  const { cache, file, source } = setup(t, 20 * BS, { memBytes: 64 * BS, diskBytes: 0, runIdleMs: 60_000 });
  const readTwoBlocks = async (f: CachedFile) => {
    await readRange(cache, f, 0, BS, f.fileId);
    await readRange(cache, f, BS, BS, f.fileId);
  };
  // GETs to the end of the file are streams; which of them ended.
  const streams = () => source.streams.filter((_, i) => source.calls[i]!.end === file.size - 1);
  const ended = () => streams().filter((s) => s.destroyed).length;
  for (let i = 0; i < 16; i++) await readTwoBlocks({ ...file, fileId: `f${i}` });
  assert.equal(streams().length, 16);
  assert.equal(ended(), 0, 'all 16 wait for their readers');
  await readTwoBlocks({ ...file, fileId: 'f16' });
  assert.equal(streams().length, 17, 'the 17th reader streams too');
  await until(() => ended() === 1);
  assert.equal(streams()[16]!.destroyed, false);
});
