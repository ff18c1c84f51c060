// Written data never enters the block cache's memory tier: a write goes to its staging file and is
// uploaded from there, so an rsync of a tree into the mount leaves --cache-mem free for reads. Counted
// with the block cache's own figures, over memory drives (VFS logic).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bytes } from '../contract/vfs-scenarios.js';
import { readFile, writeFile } from '../helpers/app.js';
import { type MemoryApp, startMemoryApp } from '../helpers/memory-app.js';

const MiB = 1024 * 1024;
let s: MemoryApp;
before(async () => {
  s = await startMemoryApp({ writeBackMs: 0 });
});
after(() => s.close());

test('writing and uploading files puts no block in memory or on disk; reading one back does', async () => {
  const d = '/drives/My Drive';
  await s.vfs.mkdir(`${d}/tree`);
  for (let i = 0; i < 3; i++) await writeFile(s.vfs, `${d}/tree/big-${i}.bin`, bytes(9 * MiB + i, 40 + i));
  for (let i = 0; i < 50; i++) await writeFile(s.vfs, `${d}/tree/small-${i}.dat`, bytes(1024 + i * 997, i));
  await s.vfs.drain();
  const status = s.admin.status();
  assert.equal(status.pendingFiles, 0);
  assert.equal(status.failedFiles, 0);
  assert.deepEqual({ memBytes: status.blocks.memBytes, diskBytes: status.blocks.diskBytes, fetches: status.blocks.fetches }, { memBytes: 0, diskBytes: 0, fetches: 0 }, 'written data held by the block cache');
  // The figures do count: a read of an uploaded file fills the memory tier.
  assert.equal((await readFile(s.vfs, `${d}/tree/big-0.bin`)).length, 9 * MiB);
  assert.ok(s.admin.status().blocks.memBytes > 0, 'a read fills the memory tier');
});
