// The replay's look for the changes that may start reads each waiting change's folders and their
// ancestors from the metadata cache, dozens of reads a look: they are made in one read transaction
// (one lock of the database) instead of one each. Checked on every such read of a replay of nested
// folders and their attribute changes.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MetadataStore } from '../../src/cache/metadata/nodes.js';
import { eventually } from '../helpers/eventually.js';
import { startMemoryApp } from '../helpers/memory-app.js';

test('the replay reads the folders of the waiting changes inside a read transaction', async () => {
  const m = await startMemoryApp();
  after(() => m.close());
  const inTransaction: boolean[] = [];
  const parentId = MetadataStore.prototype.parentId;
  MetadataStore.prototype.parentId = function (this: MetadataStore, ...args: Parameters<MetadataStore['parentId']>) {
    inTransaction.push((this as unknown as { cache: { db: { inTransaction: boolean } } }).cache.db.inTransaction);
    return parentId.apply(this, args);
  };
  after(() => {
    MetadataStore.prototype.parentId = parentId;
  });
  let dir = '/drives/My Drive';
  const attrs = { mode: 0o40750, uid: 1000, gid: 1000, rdev: 0, atime: 1n, mtime: 2n, ctime: 3n };
  for (let i = 0; i < 4; i++) {
    dir += `/d${i}`;
    await m.vfs.mkdir(dir);
    await m.vfs.setAttrs(dir, attrs);
  }
  await eventually(() => m.admin.offline().changes.pending === 0, 'every change was replayed');
  assert.ok(inTransaction.length >= 8, `${inTransaction.length} folder reads`);
  assert.ok(inTransaction.every(Boolean), `${inTransaction.filter((t) => !t).length} of ${inTransaction.length} reads outside a transaction`);
});
