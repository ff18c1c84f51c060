// The write path through the Vfs: staging, random writes, truncate, append, pending-file rename and
// delete, atomic replace, and what the server sees afterwards.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { bytes } from '../contract/vfs-scenarios.js';
import { pds } from '../helpers/emulator.js';
import { readFile, type StartedApp, startApp, writeFile } from '../helpers/app.js';

describe('Vfs write path', () => {
  let s: StartedApp;
  const root = '/';
  const api = (path: string, body: object) => pds(s.endpoint, s.account.access_token, path, body);
  const remoteList = async (parent = 'root') =>
    ((await api('/v2/file/list', { drive_id: s.account.drive_id, parent_file_id: parent, limit: 100 })).body as { items: { name: string; file_id: string; size: number }[] }).items;

  before(async () => {
    // A long write-back delay keeps files pending until drain(), so pending behaviour is observable.
    s = await startApp({ drive: undefined, writeBackMs: 3_600_000 });
  });
  after(() => s.close());
  const d = () => `/drives/${s.app.volumes[0]!.dirName}`;

  test('a new file is visible at once and uploaded on drain, keeping its ETag', async () => {
    await writeFile(s.vfs, `${d()}/pending.txt`, Buffer.from('pending data'));
    const st = await s.vfs.stat(`${d()}/pending.txt`);
    assert.equal(st.pending, true);
    assert.equal(st.size, 12);
    assert.equal(st.etag, createHash('sha1').update('pending data').digest('hex').toUpperCase());
    assert.equal((await readFile(s.vfs, `${d()}/pending.txt`)).toString(), 'pending data');
    assert.equal((await remoteList()).some((f) => f.name === 'pending.txt'), false);
    await s.vfs.drain();
    const remote = (await remoteList()).find((f) => f.name === 'pending.txt');
    assert.ok(remote, 'uploaded');
    assert.equal(remote.size, 12);
    const uploaded = await s.vfs.stat(`${d()}/pending.txt`);
    assert.equal(uploaded.pending, false);
    assert.equal(uploaded.etag, st.etag);
  });

  test('copying a folder copies the files inside that are still pending', async () => {
    await s.vfs.mkdir(`${d()}/coll`);
    await s.vfs.mkdir(`${d()}/coll/sub`);
    await writeFile(s.vfs, `${d()}/coll/a.txt`, Buffer.from('first a'));
    await s.vfs.drain();
    await writeFile(s.vfs, `${d()}/coll/a.txt`, Buffer.from('second a')); // pending replacement
    await writeFile(s.vfs, `${d()}/coll/sub/b.txt`, Buffer.from('pending b'));
    await s.vfs.copy(`${d()}/coll`, `${d()}/coll2`);
    assert.equal((await readFile(s.vfs, `${d()}/coll2/a.txt`)).toString(), 'second a');
    assert.equal((await readFile(s.vfs, `${d()}/coll2/sub/b.txt`)).toString(), 'pending b');
    await s.vfs.drain();
    const coll2 = (await remoteList()).find((f) => f.name === 'coll2')!;
    const names = (await remoteList(coll2.file_id)).map((f) => f.name).sort();
    assert.deepEqual(names, ['a.txt', 'sub']);
    assert.equal((await readFile(s.vfs, `${d()}/coll2/a.txt`)).toString(), 'second a');
    assert.equal((await readFile(s.vfs, `${d()}/coll/sub/b.txt`)).toString(), 'pending b');
  });

  test('concurrent first writes into an uploaded file share one staging copy', async () => {
    const p = `${d()}/parallel.bin`;
    const original = bytes(1024 * 1024, 5);
    await writeFile(s.vfs, p, original);
    await s.vfs.drain();
    const h = await s.vfs.open(p, { read: true, write: true });
    const patch = Buffer.alloc(1000, 0xee);
    await Promise.all(Array.from({ length: 8 }, (_, i) => h.write(patch, i * 100_000, patch.length)));
    await h.release();
    const expected = Buffer.from(original);
    for (let i = 0; i < 8; i++) patch.copy(expected, i * 100_000);
    assert.ok((await readFile(s.vfs, p)).equals(expected));
    assert.equal(s.admin.status().pendingFiles, 1);
    await s.vfs.drain();
    assert.equal((await remoteList()).filter((f) => f.name === 'parallel.bin').length, 1);
    assert.ok((await readFile(s.vfs, p)).equals(expected));
  });

  test('writing into a file just read reuses its cached blocks: no second download', async () => {
    const p = `${d()}/edited.bin`;
    const original = bytes(3 * 1024 * 1024 + 7, 9);
    await writeFile(s.vfs, p, original);
    await s.vfs.drain();
    assert.ok((await readFile(s.vfs, p)).equals(original));
    s.emu.resetStats();
    const h = await s.vfs.open(p, { read: true, write: true });
    await h.write(Buffer.from('EDIT'), 2_000_000, 4);
    await h.release();
    assert.equal(s.emu.stats.bytesDownloaded, 0);
    const expected = Buffer.from(original);
    expected.write('EDIT', 2_000_000);
    await s.vfs.drain();
    assert.ok((await readFile(s.vfs, p)).equals(expected));
  });

  test('random writes, truncate and append on an uploaded file', async () => {
    const p = `${d()}/edit.bin`;
    await writeFile(s.vfs, p, Buffer.from('0123456789'));
    await s.vfs.drain();
    const h = await s.vfs.open(p, { read: true, write: true });
    await h.write(Buffer.from('AB'), 3, 2);
    await h.truncate(8);
    await h.release();
    assert.equal((await readFile(s.vfs, p)).toString(), '012AB567');
    const a = await s.vfs.open(p, { read: false, write: true, append: true });
    await a.write(Buffer.from('++'), 0, 2);
    await a.release();
    assert.equal((await readFile(s.vfs, p)).toString(), '012AB567++');
    await s.vfs.drain();
    const remote = (await remoteList()).filter((f) => f.name === 'edit.bin');
    assert.equal(remote.length, 1, 'replaced in place, not duplicated');
    assert.equal(remote[0]!.size, 10);
  });

  test('a file rewritten while its upload was under way is uploaded anew, not through the stale session', async () => {
    const p = `${d()}/interrupted.txt`;
    await writeFile(s.vfs, p, Buffer.from('sho'));
    // Slow server: the upload is caught after file/create made its session, while its part is on the way.
    s.emu.setFaults({ latencyMs: 300 });
    s.emu.resetStats();
    const draining = s.vfs.drain();
    try {
      while ((s.emu.stats.requests['PUT part'] ?? 0) === 0) await new Promise((r) => setTimeout(r, 5));
      const h = await s.vfs.open(p, { read: true, write: true, append: true });
      await h.write(Buffer.from('rt+one+two'), 0, 10);
      await h.release();
    } finally {
      s.emu.setFaults({ latencyMs: 0 });
    }
    await draining;
    assert.equal(s.admin.status().failedFiles, 0);
    const remote = (await remoteList()).filter((f) => f.name === 'interrupted.txt');
    assert.equal(remote.length, 1);
    assert.equal(remote[0]!.size, 13);
    assert.equal((await readFile(s.vfs, p)).toString(), 'short+one+two');
  });

  test('replacing a file keeps the old content on the server until the upload, and the same file id', async () => {
    const p = `${d()}/replace.txt`;
    await writeFile(s.vfs, p, Buffer.from('version one'));
    await s.vfs.drain();
    const before = (await remoteList()).find((f) => f.name === 'replace.txt')!;
    await writeFile(s.vfs, p, Buffer.from('version two, longer'));
    assert.equal((await remoteList()).find((f) => f.name === 'replace.txt')!.size, 11, 'old version still served');
    await s.vfs.drain();
    const after = (await remoteList()).find((f) => f.name === 'replace.txt')!;
    assert.equal(after.file_id, before.file_id);
    assert.equal(after.size, 19);
  });

  test('renaming a pending file retargets its upload; deleting one cancels it', async () => {
    await writeFile(s.vfs, `${d()}/.tmp.XYZ`, Buffer.from('rsync temp'));
    await s.vfs.rename(`${d()}/.tmp.XYZ`, `${d()}/final.txt`);
    await writeFile(s.vfs, `${d()}/doomed.txt`, Buffer.from('never uploaded'));
    await s.vfs.remove(`${d()}/doomed.txt`);
    s.emu.resetStats();
    await s.vfs.drain();
    const names = (await remoteList()).map((f) => f.name);
    assert.ok(names.includes('final.txt'));
    assert.ok(!names.includes('.tmp.XYZ'));
    assert.ok(!names.includes('doomed.txt'));
    assert.equal(s.emu.stats.requests['/v2/file/create'] ?? 0, 1, 'one upload only');
  });

  test('two handles on one file see each other\'s writes', async () => {
    const p = `${d()}/shared.txt`;
    const w = await s.vfs.open(p, { read: true, write: true, create: true });
    const r = await s.vfs.open(p, { read: true, write: false });
    await w.write(Buffer.from('hello'), 0, 5);
    const buf = Buffer.alloc(5);
    assert.equal(await r.read(buf, 0, 5), 5);
    assert.equal(buf.toString(), 'hello');
    await w.release();
    await r.release();
  });

  test('unlinking an open file keeps the handle readable', async () => {
    const p = `${d()}/open-unlink.bin`;
    const data = bytes(200_000, 3);
    await writeFile(s.vfs, p, data);
    await s.vfs.drain();
    const h = await s.vfs.open(p, { read: true, write: false });
    await s.vfs.remove(p);
    await assert.rejects(s.vfs.stat(p), { code: 'ENOENT' });
    const buf = Buffer.alloc(data.length);
    assert.equal(await h.read(buf, 0, data.length), data.length);
    assert.ok(buf.equals(data));
    await h.release();
  });

  test('exclusive create of an existing file is EEXIST; names PDS refuses are refused locally', async () => {
    await writeFile(s.vfs, `${d()}/x`, Buffer.from('x'));
    await assert.rejects(s.vfs.open(`${d()}/x`, { read: false, write: true, create: true, exclusive: true }), { code: 'EEXIST' });
    await assert.rejects(s.vfs.open(`${d()}/${'n'.repeat(1025)}`, { read: false, write: true, create: true }), { code: 'ENAMETOOLONG' });
    await assert.rejects(s.vfs.open(`${d()}/bad\u0001name`, { read: false, write: true, create: true }), { code: 'EINVAL' });
    await assert.rejects(s.vfs.mkdir(`/drives/newdrive`), { code: 'EACCES' });
    assert.equal(root, '/');
  });

  test('setMtime persists as local_modified_at, for pending and uploaded files', async () => {
    const p = `${d()}/mtime.txt`;
    await writeFile(s.vfs, p, Buffer.from('m'));
    const t1 = Date.UTC(2020, 0, 2, 3, 4, 5);
    await s.vfs.setMtime(p, t1);
    assert.equal((await s.vfs.stat(p)).mtime, t1);
    await s.vfs.drain();
    assert.equal((await s.vfs.stat(p)).mtime, t1);
    const t2 = Date.UTC(2021, 5, 6, 7, 8, 9);
    await s.vfs.setMtime(p, t2);
    assert.equal((await s.vfs.stat(p)).mtime, t2, 'shown at once');
    await s.vfs.drain();
    const remote = (await remoteList()).find((f) => f.name === 'mtime.txt') as unknown as { local_modified_at: string };
    assert.equal(Date.parse(remote.local_modified_at), t2);
  });

  test('statfs reports the drive quota: the total and used space the server reports, and what is left', async () => {
    // A file of known size goes up first, so `used` is not trivially 0.
    await writeFile(s.vfs, `${d()}/statfs.bin`, bytes(300_000, 7));
    await s.vfs.drain();
    const drive = (await api('/v2/drive/get', { drive_id: s.account.drive_id })).body as { total_size: number; used_size: number };
    assert.ok(drive.used_size >= 300_000, `the server counts the upload: ${drive.used_size}`);
    const space = await s.vfs.statfs(d());
    assert.equal(space.total, drive.total_size);
    assert.equal(space.used, drive.used_size);
    assert.equal(space.free, drive.total_size - drive.used_size);
  });
});
