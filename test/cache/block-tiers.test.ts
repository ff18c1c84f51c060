import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BlockBuffers } from '../../src/cache/blocks/block-buffers.js';
import { BlockFds } from '../../src/cache/blocks/block-fds.js';
import { blockFilePrefix, blockKeyString } from '../../src/cache/blocks/block-key.js';
import { DiskBlocks } from '../../src/cache/blocks/disk-blocks.js';
import { MemoryBlocks } from '../../src/cache/blocks/memory-blocks.js';
import { ReadAhead } from '../../src/cache/blocks/read-ahead.js';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { tempDir } from './temp-dir.js';

const block = (fill: number, size = 1000) => Buffer.alloc(size, fill);
/** The key of block `index` of file `fileId` (volume v, revision r). */
const key = (fileId: string, index = 0) => blockKeyString({ volume: 'v', fileId, revision: 'r', index });

/** A whole block from the disk tier, or undefined when it has none. */
async function readBlock(disk: DiskBlocks, key: string, size = 1000): Promise<Buffer | undefined> {
  const into = Buffer.alloc(size);
  return (await disk.read(key, size, into, 0, 0, size)) ? into : undefined;
}

function diskFiles(dir: string): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  if (!fs.existsSync(dir)) return { count, bytes };
  for (const sub of fs.readdirSync(dir)) {
    for (const f of fs.readdirSync(path.join(dir, sub))) {
      count++;
      bytes += fs.statSync(path.join(dir, sub, f)).size;
    }
  }
  return { count, bytes };
}

test('block keys carry the revision and share a per-file prefix', () => {
  const k = { volume: 'drive:1', fileId: 'a/b', revision: 'r1', index: 3 };
  assert.notEqual(blockKeyString(k), blockKeyString({ ...k, revision: 'r2' }));
  assert.notEqual(blockKeyString(k), blockKeyString({ ...k, index: 4 }));
  assert.ok(blockKeyString(k).startsWith(blockFilePrefix('drive:1', 'a/b')));
  assert.ok(!blockKeyString({ ...k, fileId: 'a/bc' }).startsWith(blockFilePrefix('drive:1', 'a/b')));
});

test('memory tier stays within its byte bound and evicts least recently used', () => {
  const mem = new MemoryBlocks(10_000);
  for (let i = 0; i < 100; i++) {
    mem.set(`k${i}`, block(i));
    assert.ok(mem.bytes <= 10_000, `bytes ${mem.bytes} after ${i}`);
    if (i >= 5) assert.ok(mem.get('k0'), 'k0 is kept warm by use');
  }
  assert.equal(mem.bytes, 10_000);
  assert.deepEqual(mem.keys().sort(), ['k0', ...Array.from({ length: 9 }, (_, i) => `k${91 + i}`)].sort());
  mem.set('huge', block(1, 20_000));
  assert.equal(mem.get('huge'), undefined, 'a block larger than the bound is not stored');
  mem.clear();
  assert.equal(mem.bytes, 0);
});

test('memory tier with a zero bound stores nothing', () => {
  const mem = new MemoryBlocks(0);
  mem.set('a', block(1));
  assert.equal(mem.get('a'), undefined);
  assert.equal(mem.bytes, 0);
});

test('disk tier stays within its byte bound on disk and evicts least recently used', async (t) => {
  const root = tempDir(t);
  const db = CacheDb.open(path.join(root, 'metadata.sqlite'));
  t.after(() => db.close());
  const dir = path.join(root, 'blocks');
  const disk = new DiskBlocks(db, dir, 10_000);
  for (let i = 0; i < 60; i++) {
    await disk.put(`k${i}`, block(i));
    assert.ok(disk.bytes <= 10_000);
    assert.ok(diskFiles(dir).bytes <= 10_000, 'bytes on disk within the bound');
    if (i >= 5) assert.deepEqual(await readBlock(disk, 'k0'), block(0), 'k0 is kept warm by use');
  }
  assert.equal(diskFiles(dir).count, 10);
  assert.deepEqual(disk.keys(), [...Array.from({ length: 9 }, (_, i) => `k${51 + i}`), 'k0']);
  assert.equal(await readBlock(disk, 'k10'), undefined);
});

test('concurrent disk puts never exceed the bound', async (t) => {
  const root = tempDir(t);
  const db = CacheDb.open(path.join(root, 'metadata.sqlite'));
  t.after(() => db.close());
  const disk = new DiskBlocks(db, path.join(root, 'blocks'), 5_000);
  let max = 0;
  const puts = Array.from({ length: 40 }, (_, i) => {
    const p = disk.put(`k${i}`, block(i));
    max = Math.max(max, disk.bytes);
    return p;
  });
  await Promise.all(puts);
  assert.ok(max <= 5_000);
  assert.ok(diskFiles(path.join(root, 'blocks')).bytes <= 5_000);
  for (const key of disk.keys()) assert.deepEqual(await readBlock(disk, key), block(Number(key.slice(1))));
});

test('disk index persists across reopen and a smaller bound evicts at open', async (t) => {
  const root = tempDir(t);
  const file = path.join(root, 'metadata.sqlite');
  const dir = path.join(root, 'blocks');
  const first = CacheDb.open(file);
  const a = new DiskBlocks(first, dir, 10_000);
  for (let i = 0; i < 5; i++) await a.put(`k${i}`, block(i));
  await readBlock(a, 'k0'); // now most recently used; the touch is persisted at close
  first.close();

  const second = CacheDb.open(file);
  t.after(() => second.close());
  const b = new DiskBlocks(second, dir, 3_000);
  assert.equal(b.bytes, 3_000);
  assert.deepEqual(b.keys(), ['k3', 'k4', 'k0']);
  assert.deepEqual(await readBlock(b, 'k3'), block(3));
  assert.equal(diskFiles(dir).count, 3);
});

test('a missing or truncated block file is a miss, not bad data', async (t) => {
  const root = tempDir(t);
  const db = CacheDb.open(path.join(root, 'metadata.sqlite'));
  t.after(() => db.close());
  const dir = path.join(root, 'blocks');
  const disk = new DiskBlocks(db, dir, 10_000);
  await disk.put('a', block(1));
  await disk.put('b', block(2));
  const files = fs.readdirSync(dir).flatMap((s) => fs.readdirSync(path.join(dir, s)).map((f) => path.join(dir, s, f)));
  assert.equal(files.length, 2);
  fs.truncateSync(files[0]!, 10);
  fs.rmSync(files[1]!);
  assert.equal(await readBlock(disk, 'a'), undefined);
  assert.equal(await readBlock(disk, 'b'), undefined);
  assert.equal(disk.bytes, 0);
});

test('deleteFile and clear remove files and index rows', async (t) => {
  const root = tempDir(t);
  const db = CacheDb.open(path.join(root, 'metadata.sqlite'));
  t.after(() => db.close());
  const dir = path.join(root, 'blocks');
  const disk = new DiskBlocks(db, dir, 100_000);
  for (let i = 0; i < 4; i++) await disk.put(key('x', i), block(i));
  await disk.put(key('y'), block(9));
  assert.equal(disk.holdsFile(blockFilePrefix('v', 'x')), true);
  await disk.deleteFile(blockFilePrefix('v', 'x'));
  assert.deepEqual(disk.keys(), [key('y')]);
  assert.equal(disk.holdsFile(blockFilePrefix('v', 'x')), false);
  assert.equal(diskFiles(dir).count, 1);
  await disk.clear();
  assert.equal(disk.bytes, 0);
  assert.equal(diskFiles(dir).count, 0);
  assert.equal(db.db.prepare('SELECT COUNT(*) FROM blocks').pluck().get(), 0);
});

test("a file's blocks are found by file in both tiers, through eviction, replacement and a reopen", async (t) => {
  const mem = new MemoryBlocks(3000);
  mem.set(key('a', 0), block(1));
  mem.set(key('a', 1), block(2));
  mem.set(key('b', 0), block(3));
  mem.set(key('a', 0), block(4)); // replaced under its key: still a block of a
  mem.set(key('c', 0), block(5)); // evicts a/1, the least recently used
  mem.deleteFile(blockFilePrefix('v', 'a'));
  assert.deepEqual(mem.keys().sort(), [key('b'), key('c')].sort());
  mem.deleteFile(blockFilePrefix('v', 'a')); // nothing left of it: a no-op
  mem.deleteFile(blockFilePrefix('v', 'b'));
  assert.deepEqual(mem.keys(), [key('c')]);

  const root = tempDir(t);
  const file = path.join(root, 'metadata.sqlite');
  const dir = path.join(root, 'blocks');
  const first = CacheDb.open(file);
  const a = new DiskBlocks(first, dir, 3_000);
  for (const k of [key('a', 0), key('a', 1), key('b', 0), key('c', 0)]) await a.put(k, block(1)); // a/0 is evicted
  first.close();
  const second = CacheDb.open(file);
  t.after(() => second.close());
  const b = new DiskBlocks(second, dir, 3_000);
  assert.equal(b.holdsFile(blockFilePrefix('v', 'a')), true, 'the index read back at open is kept by file too');
  await b.deleteFile(blockFilePrefix('v', 'a'));
  assert.deepEqual(b.keys(), [key('b'), key('c')]);
  assert.equal(b.holdsFile(blockFilePrefix('v', 'a')), false);
  assert.equal(diskFiles(dir).count, 2);
});

test('disk reads copy just the range asked for, into the place asked for', async (t) => {
  const root = tempDir(t);
  const db = CacheDb.open(path.join(root, 'metadata.sqlite'));
  t.after(() => db.close());
  const disk = new DiskBlocks(db, path.join(root, 'blocks'), 10_000);
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  const writing = disk.put('k', data);
  const early = Buffer.alloc(10);
  assert.equal(await disk.read('k', 1000, early, 0, 500, 10), true, 'served while the put is in progress');
  assert.deepEqual(early, data.subarray(500, 510));
  await writing;
  const into = Buffer.alloc(300, 0xff);
  assert.equal(await disk.read('k', 1000, into, 100, 990, 10), true);
  assert.deepEqual(into.subarray(100, 110), data.subarray(990, 1000));
  assert.equal(into[99], 0xff);
  assert.equal(into[110], 0xff);
  assert.equal(await disk.read('k', 999, into, 0, 0, 10), false, 'a block of another size is not served');
  assert.equal(disk.has('k'), false, 'and is dropped');
});

test('the memory tier reports every block that leaves it', () => {
  const dropped: number[] = [];
  const mem = new MemoryBlocks(3000, { onDrop: (b) => dropped.push(b[0]!) });
  for (let i = 0; i < 4; i++) mem.set(key(`k${i}`), block(i));
  assert.deepEqual(dropped, [0], 'evicted by the bound');
  assert.equal(mem.evictOldest(), true);
  assert.deepEqual(dropped, [0, 1]);
  mem.set(key('k3'), block(9));
  mem.deleteFile(blockFilePrefix('v', 'k2'));
  mem.clear();
  assert.deepEqual(dropped, [0, 1, 3, 2, 9]);
  assert.equal(mem.evictOldest(), false);
});

test('blocks that also sit on disk keep only their share of the memory tier', () => {
  const mem = new MemoryBlocks(10_000, { maxBackedBytes: 2000 });
  const blocks = Array.from({ length: 5 }, (_, i) => block(i));
  blocks.forEach((b, i) => mem.set(`k${i}`, b));
  mem.markBacked('k0', blocks[0]!);
  mem.markBacked('k1', blocks[1]!);
  mem.markBacked('k4', block(4)); // another buffer than the one stored: ignored
  assert.equal(mem.bytes, 5000);
  assert.ok(mem.get('k0'), 'a hit keeps a backed block warm');
  mem.markBacked('k2', blocks[2]!);
  assert.deepEqual(mem.keys().sort(), ['k0', 'k2', 'k3', 'k4'], 'the least recently used backed block left');
  mem.set('k2', block(9)); // replaced by a copy not on disk: no longer counts as backed
  mem.markBacked('k3', blocks[3]!);
  assert.deepEqual(mem.keys().sort(), ['k0', 'k2', 'k3', 'k4']);
});

test('block buffers are reused only once nothing holds them', () => {
  const buffers = new BlockBuffers(1000);
  const a = buffers.take(1000);
  buffers.retain(a);
  buffers.retain(a);
  assert.equal(buffers.bytes, 1000);
  buffers.release(a);
  assert.notEqual(buffers.take(1000), a, 'still held once');
  buffers.release(a);
  assert.equal(buffers.reusable(1000), 1000);
  assert.equal(buffers.take(1000), a, 'the spare is reused');
  const short = buffers.take(10);
  buffers.retain(short);
  buffers.release(short);
  assert.equal(buffers.reusable(10), 0, 'short buffers are not kept');
  assert.equal(buffers.bytes, 0);
});

test('every full-size buffer let go is kept for reuse until the cache drops it', () => {
  const buffers = new BlockBuffers(1000);
  const first = Array.from({ length: 12 }, () => buffers.take(1000));
  for (const b of first) buffers.release(b);
  assert.equal(buffers.bytes, 12_000, 'the spares count as held');
  const again = Array.from({ length: 12 }, () => buffers.take(1000));
  assert.equal(again.filter((b) => first.includes(b)).length, 12, 'no new buffer');
  for (const b of again) buffers.release(b);
  assert.ok(buffers.dropSpare(0));
  assert.equal(buffers.bytes, 11_000);
});

test('full-size block buffers are not charged to V8\'s external memory, which sets off its full collections', () => {
  const size = 1024 * 1024;
  const buffers = new BlockBuffers(size);
  const before = process.memoryUsage().external;
  const held = Array.from({ length: 16 }, () => buffers.take(size));
  const grown = process.memoryUsage().external - before;
  assert.ok(grown < size, `external memory grew ${grown} bytes for ${held.length} blocks`);
  const beforeShort = process.memoryUsage().external;
  const short = buffers.take(size - 1);
  assert.ok(process.memoryUsage().external - beforeShort > short.length / 2, 'a short block is an ordinary buffer, charged');
});

test('read-ahead grows while a reader moves on, survives neighbouring reads out of order, and collapses on a jump', () => {
  const ahead = new ReadAhead(8);
  assert.equal(ahead.next('r', 0, 0), 0, 'a first read gets none');
  assert.deepEqual([1, 2, 3, 4].map((b) => ahead.next('r', b, b)), [1, 2, 4, 8]);
  assert.equal(ahead.next('r', 4, 4), 8, 'reading on in the same block keeps it');
  assert.equal(ahead.next('r', 5, 5), 8);
  assert.equal(ahead.next('r', 4, 4), 8, 'one block back: a late neighbour, not a jump');
  assert.equal(ahead.next('r', 6, 6), 8, 'and the reader goes on from the furthest block');
  assert.equal(ahead.next('r', 20, 20), 0, 'a jump collapses it');
  assert.equal(ahead.next('r', 3, 3), 0);
  assert.equal(ahead.next('r', 4, 4), 1);
  ahead.forget('r');
  assert.equal(ahead.next('r', 5, 5), 0);
});

test('block file descriptors stay open up to a bound and close once unused', async (t) => {
  const root = tempDir(t);
  const files = Array.from({ length: 4 }, (_, i) => path.join(root, `b${i}`));
  files.forEach((f, i) => fs.writeFileSync(f, block(i, 10)));
  const fds = new BlockFds(2);
  t.after(() => fds.closeAll());
  const byteAt0 = (fd: number) => new Promise<number>((resolve, reject) => fs.read(fd, Buffer.alloc(1), 0, 1, 0, (err, _n, b) => (err ? reject(err) : resolve(b[0]!))));
  const base = fs.readdirSync('/proc/self/fd').length;
  /** Descriptors open beyond the start, once pending closes are through (closing is asynchronous). */
  const openFds = async (expected: number) => {
    for (let i = 0; i < 200 && fs.readdirSync('/proc/self/fd').length - base !== expected; i++) await new Promise((r) => setTimeout(r, 5));
    return fs.readdirSync('/proc/self/fd').length - base;
  };
  for (const f of files) await fds.with(f, byteAt0);
  assert.equal(await openFds(2), 2, 'the two most recently used stay open');
  assert.equal(await fds.with(files[3]!, byteAt0), 3);
  // Closed while a read uses it: the read still completes on the same descriptor.
  const late = fds.with(files[3]!, async (fd) => {
    fds.close(files[3]!);
    await new Promise((r) => setTimeout(r, 10));
    return byteAt0(fd);
  });
  assert.equal(await late, 3);
  assert.equal(await openFds(1), 1);
  await assert.rejects(fds.with(path.join(root, 'missing'), byteAt0), { code: 'ENOENT' });
  fds.closeAll();
  assert.equal(await openFds(0), 0);
});
