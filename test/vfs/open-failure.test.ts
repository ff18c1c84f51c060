// An open for writing that fails after it counted its writer (cancelling the file's upload, or
// forgetting an uploaded row, failed) undoes the count: else the file's upload, and a stop's drain,
// would wait for ever for a writer that never closes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writeback } from '../../src/vfs/writeback.js';
import { startMemoryApp } from '../helpers/memory-app.js';

test('an open for writing that fails while cancelling the upload leaves no writer behind: the file still uploads', async () => {
  const s = await startMemoryApp({ writeBackMs: 3_600_000 });
  const file = '/drives/My Drive/reopened.txt';
  const h = await s.vfs.open(file, { read: false, write: true, create: true, truncate: true });
  await h.write(Buffer.from('kept'), 0, 4);
  await h.release();

  const cancel = Writeback.prototype.cancel;
  let failed = 0;
  Writeback.prototype.cancel = async function () {
    failed++;
    throw new Error('disk I/O error');
  };
  try {
    await assert.rejects(s.vfs.open(file, { read: false, write: true, create: false, truncate: false }), /disk I\/O error/);
  } finally {
    Writeback.prototype.cancel = cancel;
  }
  assert.equal(failed, 1, 'the fault fired');

  // A writer left counted would keep the drain waiting: it is bounded here only to fail, not hang.
  const drained = await Promise.race([s.vfs.drain().then(() => 'drained'), new Promise((r) => setTimeout(() => r('stuck'), 10_000).unref())]);
  assert.equal(drained, 'drained');
  assert.equal(s.pds.calls.upload, 1);
  await s.close();
});
