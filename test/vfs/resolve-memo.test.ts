// A path resolved to a file again, with nothing changed since, is not looked up again (resolver.ts
// lastFile); a change of the pending file's own row is read from the journal; any other change to
// the journal or to the cached rows makes the next resolution look again, so a renamed, removed,
// replaced or uploaded file never resolves stale. Counted at Resolver.child.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VfsError } from '../../src/core/errors.js';
import { Resolver } from '../../src/vfs/resolver.js';
import { writeFile } from '../helpers/app.js';
import { type MemoryApp, startMemoryApp } from '../helpers/memory-app.js';

let s: MemoryApp;
let lookups = 0;
const child = Resolver.prototype.child;
before(async () => {
  s = await startMemoryApp({ writeBackMs: 3_600_000 });
  Resolver.prototype.child = function (this: Resolver, ...a: Parameters<Resolver['child']>) {
    lookups++;
    return child.apply(this, a);
  };
});
after(async () => {
  Resolver.prototype.child = child;
  await s.close();
});
const d = '/drives/My Drive';

/** Child lookups made by `fn`. */
async function lookupsOf(fn: () => Promise<unknown>): Promise<number> {
  const before = lookups;
  await fn();
  return lookups - before;
}

test('a file resolved again with nothing changed is not looked up again; a change makes it look again', async () => {
  await writeFile(s.vfs, `${d}/memo.txt`, Buffer.from('one'));
  await s.vfs.stat(`${d}/memo.txt`);
  assert.equal(await lookupsOf(() => s.vfs.stat(`${d}/memo.txt`)), 0, 'resolved just before, nothing changed');

  const mtime = Date.UTC(2020, 0, 1);
  await s.vfs.setMtime(`${d}/memo.txt`, mtime);
  let stat = await s.vfs.stat(`${d}/memo.txt`);
  assert.equal(stat.mtime, mtime, 'the row as it is now');
  await s.vfs.setMtime(`${d}/memo.txt`, mtime + 1000);
  assert.equal(await lookupsOf(async () => (stat = await s.vfs.stat(`${d}/memo.txt`))), 0, 'only its own row changed: read again, not looked up');
  assert.equal(stat.mtime, mtime + 1000);

  // Another file's row changing the journal leaves this one's as it was.
  await writeFile(s.vfs, `${d}/other.txt`, Buffer.from('two'));
  assert.equal((await s.vfs.stat(`${d}/memo.txt`)).mtime, mtime + 1000);
  // Removed and made again at the name: a new row, never the removed one.
  await s.vfs.remove(`${d}/memo.txt`);
  await writeFile(s.vfs, `${d}/memo.txt`, Buffer.from('a new file'));
  assert.equal((await s.vfs.stat(`${d}/memo.txt`)).size, 10, 'a new row at the name: never the removed one');
  await s.vfs.setMtime(`${d}/memo.txt`, mtime);

  await s.vfs.rename(`${d}/memo.txt`, `${d}/moved.txt`);
  await assert.rejects(s.vfs.stat(`${d}/memo.txt`), (err) => VfsError.is(err, 'ENOENT'), 'not resolved stale after a rename');
  assert.equal((await s.vfs.stat(`${d}/moved.txt`)).size, 10);

  // Uploaded: the row goes, the entry comes from the server into the cache.
  await s.vfs.drain();
  assert.ok((await lookupsOf(() => s.vfs.stat(`${d}/moved.txt`))) > 0, 'the upload changed the rows: looked up again');
  assert.equal((await s.vfs.stat(`${d}/moved.txt`)).pending, false);

  await s.vfs.remove(`${d}/moved.txt`);
  await assert.rejects(s.vfs.stat(`${d}/moved.txt`), (err) => VfsError.is(err, 'ENOENT'), 'not resolved stale after a remove');
});
