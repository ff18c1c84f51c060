// An uploaded file's staging copy is deleted only once the upload's record is committed: deleted
// inside that transaction, a crash before its commit would leave a row whose content is gone, and
// the file would be uploaded again from nothing.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { StagingFiles } from '../../src/cache/staging/staging-files.js';
import { startMemoryApp } from '../helpers/memory-app.js';

test("an uploaded file's staging copy is deleted after the commit that records the upload, not inside it", async () => {
  const s = await startMemoryApp({ writeBackMs: 0 });
  after(() => s.close());
  const removals: { file: string; inTransaction: boolean }[] = [];
  const remove = StagingFiles.prototype.remove;
  StagingFiles.prototype.remove = function (this: StagingFiles, file: string) {
    removals.push({ file, inTransaction: s.db.db.inTransaction });
    return remove.call(this, file);
  };
  after(() => (StagingFiles.prototype.remove = remove));

  const h = await s.vfs.open('/drives/My Drive/done.txt', { read: false, write: true, create: true, truncate: true });
  await h.write(Buffer.from('uploaded'), 0, 8);
  await h.release();
  for (let i = 0; i < 100 && removals.length === 0; i++) await new Promise((r) => setTimeout(r, 10));

  assert.equal(s.pds.calls.upload, 1, 'the file was uploaded');
  assert.equal(removals.length, 1, 'its staging copy was deleted');
  assert.equal(removals[0]!.inTransaction, false, 'outside the transaction that recorded the upload');
  assert.equal((await s.vfs.stat('/drives/My Drive/done.txt')).pending, false);
});
