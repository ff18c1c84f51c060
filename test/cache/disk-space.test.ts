// The cache disk shared by staged writes and the disk tier of the block cache, on a small tmpfs: the
// disk tier stays out of the staged writes' room and gives its blocks up when a staged write needs
// them; only when no cached block is left does a staged write get ENOSPC.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { DiskBlocks } from '../../src/cache/blocks/disk-blocks.js';
import { DiskReserve } from '../../src/cache/disk-reserve.js';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { makeTempDir } from './temp-dir.js';

const MiB = 1024 * 1024;
const RESERVE = 2 * MiB;

const disk = makeTempDir('pdsfs-diskspace-');
const noTmpfs = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', disk.dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs (needs root): ${(err as Error).message.split('\n')[0]}`;
  }
})();

after(() => {
  if (!noTmpfs) execFileSync('umount', ['-l', disk.dir], { stdio: 'ignore' });
  disk.remove();
});

const freeBytes = (dir: string) => {
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
};

test('cached blocks leave room for staged writes, and give theirs up before a staged write gets ENOSPC', { skip: noTmpfs ?? false }, async (t) => {
  // The database lives elsewhere: this disk holds only what is counted here.
  const { dir: dbDir, remove } = makeTempDir();
  t.after(remove);
  const db = CacheDb.open(path.join(dbDir, 'metadata.sqlite'));
  t.after(() => db.close());
  const space = new DiskReserve(disk.dir, RESERVE);
  const blocks = new DiskBlocks(db, path.join(disk.dir, 'blocks'), Number.MAX_SAFE_INTEGER, space);
  space.reclaimWith((bytes) => blocks.reclaim(bytes));

  // More blocks than fit: the tier evicts its oldest rather than eat into the reserve and the headroom.
  for (let i = 0; i < 16; i++) await blocks.put(`b${i}`, Buffer.alloc(MiB, i));
  assert.ok(blocks.bytes >= 8 * MiB, `the disk tier holds ${blocks.bytes} bytes`);
  assert.ok(freeBytes(disk.dir) >= 2 * RESERVE, `${freeBytes(disk.dir)} bytes left free`);
  assert.ok(blocks.has('b15') && !blocks.has('b0'), 'the newest blocks stay, the oldest went');

  // A staged write of more than is free gets its room from the cached blocks.
  const staged = path.join(disk.dir, 'staged');
  const want = freeBytes(disk.dir) + 4 * MiB;
  await space.claim(want);
  fs.writeFileSync(staged, Buffer.alloc(want, 1));
  assert.ok(blocks.bytes <= 16 * MiB - want - RESERVE, `the disk tier still holds ${blocks.bytes} bytes`);

  // With every cached block given up, a write that does not fit is refused.
  await assert.rejects(space.claim(16 * MiB), (err: NodeJS.ErrnoException) => err.code === 'ENOSPC' && /less than 2097152 bytes free/.test(err.message));
  assert.equal(blocks.bytes, 0);
  // Room freed by a delete counts at once.
  fs.rmSync(staged);
  await space.claim(8 * MiB);
});

test('a look at the disk does not give away the room of bytes claimed and not written yet', { skip: noTmpfs ?? false }, async () => {
  const space = new DiskReserve(disk.dir, RESERVE);
  let unwritten = 0;
  space.countUnwritten(() => unwritten);
  const room = freeBytes(disk.dir) - RESERVE;
  const half = Math.floor(room / 2);
  // Claimed and answered, still on its way to the disk (write-behind): the disk does not show it yet.
  await space.claim(half);
  unwritten = half;
  // More than is left: the fresh look this makes must still count the claim.
  await assert.rejects(space.claim(room - half + MiB), (err: NodeJS.ErrnoException) => err.code === 'ENOSPC');
  await space.claim(room - half - MiB);
});
