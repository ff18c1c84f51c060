// The Remote contract (src/core/remote.ts), one suite for every Remote: the memory Remote, DriveRemote
// on the local PDS server and ShareRemote on a link of it (as tus-node-server runs one store suite on
// every store). Entries, byte ranges, names and conflicts, errors as VfsError codes, the change feed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type VfsCode, VfsError } from '../../src/core/errors.js';
import type { Remote, RemoteCapabilities, SpaceInfo } from '../../src/core/remote.js';

export interface RemoteUnderTest {
  remote: Remote;
  /** Writes the data the remote sees (the remote itself for a drive, the sharing drive for a link). */
  owner: Remote;
  /** A folder the remote sees that the owner may fill. */
  home: string;
  /** What the remote itself may change: everything, only add below `home` (a creatable link), nothing. */
  writes: 'all' | 'add' | 'none';
  volumeId: string;
  capabilities: RemoteCapabilities;
  /** Another drive of the same server, where copies may land. */
  other: Remote;
  /** statfs of a remote that is not a drive (a drive's follows its quota). */
  space?: SpaceInfo;
  close(): Promise<void>;
}

const code = (c: VfsCode) => (e: unknown) => {
  assert.ok(VfsError.is(e), `expected VfsError ${c}, got ${String(e)}`);
  assert.equal(e.code, c, e.message);
  return true;
};

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

export function defineRemoteContract(name: string, start: () => Promise<RemoteUnderTest>): void {
  describe(`Remote contract: ${name}`, () => {
    let r: RemoteUnderTest;
    let tmp: string;
    let n = 0;
    before(async () => {
      r = await start();
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-remote-'));
    });
    after(async () => {
      await r?.close();
      if (tmp) await fs.rm(tmp, { recursive: true, force: true });
    });

    /** A local file with these bytes (Remote.upload takes a path). */
    const local = async (data: Buffer) => {
      const file = path.join(tmp, `f${n++}`);
      await fs.writeFile(file, data);
      return file;
    };
    const put = async (remote: Remote, parentId: string, name: string, data: Buffer | string, opts = {}) => {
      const bytes = Buffer.from(data);
      return remote.upload(parentId, name, await local(bytes), bytes.length, opts);
    };
    /** A fresh folder in `home`, made by the owner. */
    const folder = (name: string) => r.owner.createDir(r.home, name);
    const refusal = (): VfsCode => (r.writes === 'add' ? 'EACCES' : 'EROFS');

    test('identity, capabilities and root', async () => {
      assert.equal(r.remote.volumeId, r.volumeId);
      assert.equal(r.remote.rootId, 'root');
      assert.deepEqual(r.remote.capabilities, r.capabilities);
      const root = await r.remote.get('root');
      assert.deepEqual([root.kind, root.id, root.size, root.revision], ['dir', 'root', 0, '']);
    });

    test('list and get: entries with kind, size, times, revision and content hash', async () => {
      const dir = await folder('rdir');
      const f = await put(r.owner, dir.id, 'a.txt', 'hello', { mtime: Date.UTC(2022, 1, 3), userMeta: '{"mode":420}' });
      const listed = await collect(r.remote.list(dir.id));
      assert.deepEqual(listed.map((e) => e.name), ['a.txt']);
      const seen = listed[0]!;
      assert.deepEqual([seen.id, seen.kind, seen.size, seen.mtime, seen.parentId, seen.userMeta], [f.id, 'file', 5, Date.UTC(2022, 1, 3), dir.id, '{"mode":420}']);
      assert.equal(seen.revision, seen.contentHash);
      assert.equal(seen.contentHash, 'AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D', 'uppercase SHA-1 of "hello"');
      assert.ok(seen.ctime > 0);
      assert.deepEqual(await r.remote.get(f.id), seen);
      const inHome = (await collect(r.remote.list(r.home))).find((e) => e.id === dir.id);
      assert.deepEqual([inHome?.kind, inHome?.name, inHome?.size, inHome?.revision], ['dir', 'rdir', 0, '']);
      assert.deepEqual(await collect(r.remote.list(f.id)), [], 'a file lists as empty');
      await assert.rejects(r.remote.get('nope'), code('ENOENT'));
      await assert.rejects(collect(r.remote.list('nope')), code('ENOENT'));
    });

    test('listing keeps creation order', async () => {
      const dir = await folder('order');
      for (const name of ['b', 'c', 'a']) await put(r.owner, dir.id, name, name);
      assert.deepEqual((await collect(r.remote.list(dir.id))).map((e) => e.name), ['b', 'c', 'a']);
    });

    test('openRange streams any byte range, clipped to the size; an entry read before a change never reads the new bytes', async () => {
      const bytes = randomBytes(200_000);
      const f = await put(r.owner, r.home, `big-${n}.bin`, bytes);
      const entry = await r.remote.get(f.id);
      assert.ok((await readAll(await r.remote.openRange(entry, 0, entry.size - 1))).equals(bytes));
      assert.ok((await readAll(await r.remote.openRange(entry, 5, 9))).equals(bytes.subarray(5, 10)));
      assert.ok((await readAll(await r.remote.openRange(entry, 199_990, 500_000))).equals(bytes.subarray(199_990)));
      await assert.rejects(r.remote.openRange({ id: 'gone', revision: '', size: 10 }, 0, 9), code('ENOENT'));
      const after = Buffer.from('new content');
      await r.owner.upload(r.home, 'ignored', await local(after), after.length, { replaceId: f.id });
      // The entry read before names the old content: it reads as that (a download URL still valid
      // serves it) or fails with EIO, never as the new content.
      const old = await (async () => readAll(await r.remote.openRange(entry, 0, 9)))().catch((err: unknown) => code('EIO')(err) && undefined);
      if (old) assert.ok(old.equals(bytes.subarray(0, 10)));
      const now = await r.remote.get(f.id);
      assert.ok((await readAll(await r.remote.openRange(now, 0, now.size - 1))).equals(after));
    });

    test('createDir and upload: EEXIST when the name is taken, the server’s name rules', async (t) => {
      if (r.writes === 'none') {
        await assert.rejects(r.remote.createDir(r.home, 'x'), code('EROFS'));
        await assert.rejects(put(r.remote, r.home, 'x', 'x'), code('EROFS'));
        return;
      }
      const dir = await r.remote.createDir(r.home, 'made', { userMeta: 'm' });
      assert.deepEqual([dir.kind, dir.name, dir.parentId, dir.size, dir.revision, dir.userMeta], ['dir', 'made', r.home, 0, '', 'm']);
      assert.ok(dir.ctime > 0 && dir.mtime > 0);
      await assert.rejects(r.remote.createDir(r.home, 'made'), code('EEXIST'));
      const f = await put(r.remote, dir.id, 'f.txt', 'content');
      assert.deepEqual([f.kind, f.size, f.parentId], ['file', 7, dir.id]);
      await assert.rejects(put(r.remote, dir.id, 'f.txt', 'again'), code('EEXIST'));
      await assert.rejects(r.remote.createDir(dir.id, 'f.txt'), code('EEXIST'), 'a folder cannot take a file’s name');
      await assert.rejects(r.remote.createDir(dir.id, 'a/b'), code('EINVAL'));
      await assert.rejects(r.remote.createDir(dir.id, '..'), code('EINVAL'));
      await assert.rejects(r.remote.createDir(dir.id, 'x'.repeat(1025)), code('ENAMETOOLONG'));
      await assert.rejects(r.remote.createDir(f.id, 'below-a-file'), code('EINVAL'));
      await assert.rejects(r.remote.createDir('nope', 'x'), code('ENOENT'));
      await assert.rejects(put(r.remote, 'nope', 'x', 'x'), code('ENOENT'));
      const long = 'é'.repeat(512);
      assert.equal((await r.remote.createDir(dir.id, long)).name, long, '1024 bytes is the limit');
      if (r.writes === 'add') t.diagnostic('a creatable link: new entries only');
    });

    test('upload with replaceId: a new revision of the same file', async () => {
      if (r.writes !== 'all') return;
      const f = await put(r.remote, r.home, 'rev.txt', 'one');
      const replaced = await put(r.remote, 'ignored', 'ignored', 'second', { replaceId: f.id, mtime: Date.UTC(2001, 0, 1) });
      assert.deepEqual([replaced.id, replaced.name, replaced.size, replaced.mtime], [f.id, 'rev.txt', 6, Date.UTC(2001, 0, 1)]);
      assert.notEqual(replaced.revision, f.revision);
      const local100 = await local(randomBytes(300));
      assert.equal((await r.remote.upload(r.home, 'rev.txt', local100, 100, { replaceId: f.id })).size, 100, 'only `size` bytes of the file');
    });

    test('update renames (EEXIST when taken) and sets mtime and user_meta', async () => {
      const a = await put(r.owner, r.home, 'u1.txt', '1');
      if (r.writes !== 'all') {
        await assert.rejects(r.remote.update(a.id, { name: 'u3.txt' }), code(refusal()));
        return;
      }
      await put(r.remote, r.home, 'u2.txt', '2');
      const renamed = await r.remote.update(a.id, { name: 'u3.txt' });
      assert.deepEqual([renamed.id, renamed.name], [a.id, 'u3.txt']);
      await assert.rejects(r.remote.update(a.id, { name: 'u2.txt' }), code('EEXIST'));
      await assert.rejects(r.remote.update(a.id, { name: 'a/b' }), code('EINVAL'));
      const touched = await r.remote.update(a.id, { mtime: Date.UTC(2000, 0, 1), userMeta: 'meta' });
      assert.deepEqual([touched.name, touched.mtime, touched.userMeta], ['u3.txt', Date.UTC(2000, 0, 1), 'meta']);
      assert.deepEqual(await r.remote.update(a.id, {}), await r.remote.get(a.id));
      await assert.rejects(r.remote.update('nope', { name: 'x' }), code('ENOENT'));
    });

    test('move: same parent renames, other parent moves with the new name, EEXIST on clash', async () => {
      const d1 = await folder('m1');
      const d2 = await folder('m2');
      const f = await put(r.owner, d1.id, 'x.txt', 'x');
      if (r.writes !== 'all') {
        await assert.rejects(r.remote.move(f.id, d2.id, 'x.txt'), code(refusal()));
        return;
      }
      const renamed = await r.remote.move(f.id, d1.id, 'y.txt');
      assert.deepEqual([renamed.parentId, renamed.name], [d1.id, 'y.txt']);
      const moved = await r.remote.move(f.id, d2.id, 'z.txt');
      assert.deepEqual([moved.id, moved.parentId, moved.name], [f.id, d2.id, 'z.txt']);
      const g = await put(r.remote, d1.id, 'z.txt', 'other');
      await assert.rejects(r.remote.move(g.id, d2.id, 'z.txt'), code('EEXIST'));
      await assert.rejects(r.remote.move(d1.id, d1.id, 'inside-itself'), code('EINVAL'));
      await assert.rejects(r.remote.move(g.id, 'nope', 'z.txt'), code('ENOENT'));
      const dirMoved = await r.remote.move(d1.id, d2.id, 'm1-inside');
      assert.equal(dirMoved.parentId, d2.id);
      assert.deepEqual((await collect(r.remote.list(dirMoved.id))).map((e) => e.name), ['z.txt']);
      await assert.rejects(r.remote.move(d2.id, dirMoved.id, 'loop'), code('EINVAL'), 'not into its own subtree');
    });

    test('copy: files and folders, into this drive or another', async () => {
      const src = await folder('c-src');
      const f = await put(r.owner, src.id, 'c.txt', 'copy');
      const otherHome = await r.other.createDir('root', `c-target-${n++}`);
      if (r.writes === 'all') {
        const fileCopy = await r.remote.copy(f.id, r.home, 'c-copy.txt');
        assert.notEqual(fileCopy.id, f.id);
        assert.deepEqual([fileCopy.name, fileCopy.contentHash, fileCopy.parentId], ['c-copy.txt', f.contentHash, r.home]);
      }
      const dirCopy = await r.remote.copy(src.id, otherHome.id, 'c-dir', r.other);
      assert.deepEqual([dirCopy.kind, dirCopy.name, dirCopy.parentId], ['dir', 'c-dir', otherHome.id]);
      const inside = await collect(r.other.list(dirCopy.id));
      assert.deepEqual(inside.map((e) => [e.name, e.contentHash]), [['c.txt', f.contentHash]]);
      await assert.rejects(r.remote.copy('nope', otherHome.id, 'x', r.other), code('ENOENT'));
    });

    test('trash and delete', async () => {
      const a = await put(r.owner, r.home, 't.txt', 't');
      if (r.writes !== 'all') {
        await assert.rejects(r.remote.trash(a.id), code(refusal()));
        await assert.rejects(r.remote.delete(a.id), code(refusal()));
        return;
      }
      const d = await r.remote.createDir(r.home, 'trashed-dir');
      const inner = await put(r.remote, d.id, 'inner.txt', 'i');
      await r.remote.trash(a.id);
      await r.remote.trash(d.id);
      await assert.rejects(r.remote.get(a.id), code('ENOENT'));
      await assert.rejects(r.remote.get(inner.id), code('ENOENT'), 'what is inside a trashed folder is gone too');
      assert.ok(!(await collect(r.remote.list(r.home))).some((e) => e.id === a.id || e.id === d.id));
      const b = await put(r.remote, r.home, 'd.txt', 'd');
      await r.remote.delete(b.id);
      await assert.rejects(r.remote.get(b.id), code('ENOENT'));
      await assert.rejects(r.remote.delete(b.id), code('ENOENT'));
    });

    test('statfs', async () => {
      const s = await r.remote.statfs();
      if (r.space) return assert.deepEqual(s, r.space);
      assert.ok(s.total > 0 && s.used > 0, JSON.stringify(s));
      assert.equal(s.free, Math.max(0, s.total - s.used));
      await put(r.remote, r.home, `space-${n}.bin`, randomBytes(1000));
      assert.equal((await r.remote.statfs()).used, s.used + 1000);
    });

    test('change feed: latestCursor, then the changes with entries, in order', async (t) => {
      if (!r.capabilities.changeFeed) return t.diagnostic('no change feed');
      const { latestCursor, changes } = r.remote as Required<Remote>;
      const cursor = await latestCursor.call(r.remote);
      const f = await put(r.remote, r.home, 'feed.txt', 'f');
      await r.remote.update(f.id, { name: 'feed2.txt' });
      await r.remote.update(f.id, { mtime: Date.UTC(2010, 0, 1) });
      await put(r.remote, r.home, 'ignored', 'g', { replaceId: f.id });
      await r.remote.trash(f.id);
      const seen: { op: string; name?: string }[] = [];
      let c = cursor;
      for (;;) {
        const page = await changes.call(r.remote, c);
        assert.ok(!page.expired);
        seen.push(...page.items.filter((i) => i.id === f.id).map((i) => ({ op: i.op, ...(i.entry ? { name: i.entry.name } : {}) })));
        c = page.cursor;
        if (!page.hasMore) break;
      }
      assert.deepEqual(seen, [
        { op: 'create', name: 'feed.txt' }, { op: 'rename', name: 'feed2.txt' }, { op: 'update', name: 'feed2.txt' },
        { op: 'overwrite', name: 'feed2.txt' }, { op: 'trash' },
      ]);
      const page = await changes.call(r.remote, c);
      assert.deepEqual(!page.expired && [page.items, page.hasMore], [[], false], 'nothing after the last cursor');
      const alien = await (r.other as Required<Remote>).latestCursor();
      assert.deepEqual(await changes.call(r.remote, alien), { expired: true }, 'a cursor of another drive is expired');
    });
  });
}
