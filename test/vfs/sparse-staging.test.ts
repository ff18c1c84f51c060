// Writing into a large existing file does not download it first: the staging copy starts sparse over
// the remote original, fills a block only when a write lands in part of it, and is completed from the
// original before its upload (or before the original goes away). VFS logic: over memory drives,
// counting the bytes the Remote streamed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { bytes } from '../contract/vfs-scenarios.js';
import { readFile, writeFile } from '../helpers/app.js';
import { type MemoryApp, startMemoryApp } from '../helpers/memory-app.js';

const MiB = 1024 * 1024;
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex').toUpperCase();

describe('sparse staging of existing files', () => {
  let s: MemoryApp;
  before(async () => {
    // Pending until drain(), so what a write downloads is told apart from what the upload needs.
    s = await startMemoryApp({ writeBackMs: 3_600_000 });
  });
  after(() => s.close());
  const drives = () => ['/drives/My Drive', '/drives/Team Drive'];

  /** An uploaded file, with the block cache emptied so every byte read afterwards is a download. */
  async function uploaded(p: string, data: Buffer): Promise<void> {
    await writeFile(s.vfs, p, data);
    await s.vfs.drain();
    await s.admin.clearBlockCache();
    s.pds.resetCounts();
  }

  async function remoteHash(p: string): Promise<string> {
    await s.admin.clearBlockCache();
    return sha1(await readFile(s.vfs, p));
  }

  test('appending to a large file fetches only its last block; the upload carries the whole file', async () => {
    const [d] = drives();
    const p = `${d}/log.bin`;
    const original = bytes(8 * MiB + 5, 21);
    await uploaded(p, original);
    const h = await s.vfs.open(p, { read: false, write: true, append: true });
    await h.write(Buffer.from('TAIL'), 0, 4);
    await h.release();
    assert.equal(s.pds.bytesRead, 5, 'only the last, partial block');
    const expected = Buffer.concat([original, Buffer.from('TAIL')]);
    assert.equal((await s.vfs.stat(p)).size, expected.length);
    assert.equal(sha1(await readFile(s.vfs, p)), sha1(expected), 'read before the upload: original and append merged');
    await s.vfs.drain();
    assert.equal(s.admin.status().failedFiles, 0);
    assert.equal(await remoteHash(p), sha1(expected));
  });

  test('patches across a block edge, a truncate and an extension read back merged, then upload', async () => {
    const [d] = drives();
    const p = `${d}/patched.bin`;
    const original = bytes(12 * MiB + 3, 22);
    await uploaded(p, original);
    const expected = Buffer.from(original);
    const h = await s.vfs.open(p, { read: true, write: true });
    const patch = Buffer.alloc(10, 0xab);
    await h.write(patch, 3 * MiB - 5, patch.length);
    patch.copy(expected, 3 * MiB - 5);
    assert.equal(s.pds.bytesRead, 2 * MiB, 'the two blocks the patch lands in, no read-ahead');
    // Cut inside a block never written, then grow past the old end: the gap reads as zeros.
    await h.truncate(4 * MiB + 1);
    await h.write(Buffer.from('END'), 6 * MiB, 3);
    const grown = Buffer.alloc(6 * MiB + 3);
    expected.copy(grown, 0, 0, 4 * MiB + 1);
    grown.write('END', 6 * MiB);
    const back = Buffer.alloc(grown.length + 100);
    let n = 0;
    for (let got = -1; got !== 0; n += got) got = await h.read(back.subarray(n), n, MiB);
    assert.equal(n, grown.length);
    assert.equal(sha1(back.subarray(0, n)), sha1(grown), 'read through the writing handle');
    await h.release();
    await s.vfs.drain();
    assert.equal(await remoteHash(p), sha1(grown));
  });

  test('a file deleted while open keeps its whole content for the open handle', async () => {
    const [d] = drives();
    const p = `${d}/doomed.bin`;
    const original = bytes(3 * MiB, 23);
    await uploaded(p, original);
    const h = await s.vfs.open(p, { read: true, write: true });
    await h.write(Buffer.from('X'), MiB, 1);
    await s.vfs.remove(p);
    const expected = Buffer.from(original);
    expected.write('X', MiB);
    const back = Buffer.alloc(original.length);
    for (let at = 0; at < back.length; ) at += await h.read(back.subarray(at), at, back.length - at);
    assert.equal(sha1(back), sha1(expected));
    await h.release();
  });

  test('copying and moving a pending sparse file to another drive carry the whole content', async () => {
    const [a, b] = drives();
    const p = `${a}/mover.bin`;
    const original = bytes(3 * MiB + 1, 24);
    await uploaded(p, original);
    const h = await s.vfs.open(p, { read: false, write: true });
    await h.write(Buffer.from('COPY'), 2 * MiB, 4);
    await h.release();
    const expected = Buffer.from(original);
    expected.write('COPY', 2 * MiB);
    await s.vfs.copy(p, `${a}/copied.bin`);
    await s.vfs.rename(p, `${b}/moved.bin`);
    await s.vfs.drain();
    assert.equal(s.admin.status().failedFiles, 0);
    assert.equal(await remoteHash(`${a}/copied.bin`), sha1(expected));
    assert.equal(await remoteHash(`${b}/moved.bin`), sha1(expected));
  });

  test('when the original is deleted on the server before the upload, the written parts go to the recovery folder', async () => {
    const [d] = drives();
    const p = `${d}/vanish.bin`;
    await uploaded(p, bytes(3 * MiB, 25));
    // A whole block: nothing of the original is fetched (a fetch would leave a download URL cached).
    const h = await s.vfs.open(p, { read: false, write: true });
    await h.write(Buffer.alloc(MiB, 0x4d), MiB, MiB);
    await h.release();
    assert.equal(s.pds.bytesRead, 0);
    // Deleted by another client of the server.
    const [drive] = s.drives;
    let deleted = 0;
    for await (const e of drive!.list('root')) if (e.name === 'vanish.bin') await drive!.delete(e.id).then(() => deleted++);
    assert.equal(deleted, 1);
    await s.admin.clearBlockCache();
    const failedBefore = s.admin.status().failedFiles;
    await s.vfs.drain();
    assert.equal(s.admin.status().failedFiles, failedBefore + 1);
    const failed = s.admin.uploads(100).failed.find((r) => r.name === 'vanish.bin');
    assert.match(failed?.lastError ?? '', /ENOENT: the original was deleted on the server/);
    const kept = await fs.readFile(failed!.stagingPath);
    assert.equal(kept.length, 3 * MiB);
    assert.ok(kept.subarray(MiB, 2 * MiB).equals(Buffer.alloc(MiB, 0x4d)), 'the written block');
    assert.ok(kept.subarray(0, MiB).equals(Buffer.alloc(MiB)), 'zeros where the original was');
  });
});
