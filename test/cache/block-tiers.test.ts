import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { blockFilePrefix, blockKeyString } from '../../src/cache/blocks/block-key.js';
import { DiskBlocks } from '../../src/cache/blocks/disk-blocks.js';
import { MemoryBlocks } from '../../src/cache/blocks/memory-blocks.js';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { tempDir } from './temp-dir.js';

const block = (fill: number, size = 1000) => Buffer.alloc(size, fill);

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
  mem.deletePrefix('k9');
  assert.deepEqual(mem.keys(), ['k0']);
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
    if (i >= 5) assert.deepEqual(await disk.get('k0'), block(0), 'k0 is kept warm by use');
  }
  assert.equal(diskFiles(dir).count, 10);
  assert.deepEqual(disk.keys(), [...Array.from({ length: 9 }, (_, i) => `k${51 + i}`), 'k0']);
  assert.equal(await disk.get('k10'), undefined);
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
  for (const key of disk.keys()) assert.deepEqual(await disk.get(key), block(Number(key.slice(1))));
});

test('disk index persists across reopen and a smaller bound evicts at open', async (t) => {
  const root = tempDir(t);
  const file = path.join(root, 'metadata.sqlite');
  const dir = path.join(root, 'blocks');
  const first = CacheDb.open(file);
  const a = new DiskBlocks(first, dir, 10_000);
  for (let i = 0; i < 5; i++) await a.put(`k${i}`, block(i));
  await a.get('k0'); // now most recently used; the touch is persisted at close
  first.close();

  const second = CacheDb.open(file);
  t.after(() => second.close());
  const b = new DiskBlocks(second, dir, 3_000);
  assert.equal(b.bytes, 3_000);
  assert.deepEqual(b.keys(), ['k3', 'k4', 'k0']);
  assert.deepEqual(await b.get('k3'), block(3));
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
  assert.equal(await disk.get('a'), undefined);
  assert.equal(await disk.get('b'), undefined);
  assert.equal(disk.bytes, 0);
});

test('deletePrefix and clear remove files and index rows', async (t) => {
  const root = tempDir(t);
  const db = CacheDb.open(path.join(root, 'metadata.sqlite'));
  t.after(() => db.close());
  const dir = path.join(root, 'blocks');
  const disk = new DiskBlocks(db, dir, 100_000);
  for (let i = 0; i < 4; i++) await disk.put(`x/${i}`, block(i));
  await disk.put('y/0', block(9));
  await disk.deletePrefix('x/');
  assert.deepEqual(disk.keys(), ['y/0']);
  assert.equal(diskFiles(dir).count, 1);
  await disk.clear();
  assert.equal(disk.bytes, 0);
  assert.equal(diskFiles(dir).count, 0);
  assert.equal(db.db.prepare('SELECT COUNT(*) FROM blocks').pluck().get(), 0);
});
