// JS's side of the read-only opens the binding answers (ops.ts, handle-table.ts): the first ops on
// such an fd open one VFS handle between them, however many arrive before it is open; libfuse's
// hidden rename of a file unlinked while open adopts the fds the binding holds at its path before
// the file leaves the VFS. The ops are called directly over memory drives, so that two reads are
// certainly in flight at once (through a mount the first is usually answered before the second
// comes); VFS opens are counted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FuseOps } from 'fuse-native';
import { HandleTable, LAZY_FD_BIT, READ_ONLY_FD_BIT } from '../../src/fuse/handle-table.js';
import { createOps } from '../../src/fuse/ops.js';
import { silentLogger } from '../../src/shared/logger.js';
import { writeFile } from '../helpers/app.js';
import { type MemoryApp, startMemoryApp } from '../helpers/memory-app.js';

const d = '/drives/My Drive';
let s: MemoryApp;
let ops: FuseOps;
let handles: HandleTable;
let vfsOpens = 0;
/** What the binding would hand over at a path (lazyTake): set by each test. */
let heldByBinding = new Map<string, number[]>();
const adoptions = { count: 0 };

before(async () => {
  s = await startMemoryApp({ writeBackMs: 3_600_000 });
  const vfs = s.vfs;
  const counted = new Proxy(vfs, {
    get: (target, prop) => (prop === 'open' ? (...args: Parameters<typeof vfs.open>) => (vfsOpens++, target.open(...args)) : Reflect.get(target, prop)),
  });
  handles = new HandleTable();
  ops = createOps(counted, handles, {
    own: { uid: 0, gid: 0, umask: 0o22 },
    logger: silentLogger(),
    fixedBinding: true,
    posix: true,
    caller: { uid: 0, gid: 0 },
    adoptions,
    lazyTake: (p) => {
      const fds = heldByBinding.get(p) ?? [];
      heldByBinding.delete(p);
      return fds;
    },
  });
});
after(() => s.close());

const lazyFd = (slot: number) => READ_ONLY_FD_BIT | LAZY_FD_BIT | slot;

function read(p: string, fd: number, len: number, pos: number): Promise<string> {
  const buf = Buffer.alloc(len);
  return new Promise((resolve, reject) => ops.read!(p, fd, buf, len, pos, (n) => (n < 0 ? reject(new Error(`read: ${n}`)) : resolve(buf.subarray(0, n).toString()))));
}
function answer(call: (cb: (code: number) => void) => void): Promise<number> {
  return new Promise((resolve) => call(resolve));
}

test('reads of a lazy fd in flight at once share one VFS open; its release closes it', async () => {
  await writeFile(s.vfs, `${d}/shared.txt`, Buffer.from('0123456789'));
  const fd = lazyFd(1);
  const before = { opens: vfsOpens, adoptions: adoptions.count };
  // Both reads are dispatched before either's open can have finished.
  const [head, tail] = await Promise.all([read(`${d}/shared.txt`, fd, 5, 0), read(`${d}/shared.txt`, fd, 5, 5)]);
  assert.deepEqual([head, tail], ['01234', '56789']);
  assert.equal(vfsOpens - before.opens, 1, 'one VFS open for both');
  assert.equal(adoptions.count - before.adoptions, 1);
  assert.equal(handles.get(fd)?.flags.write, false);
  assert.equal(await read(`${d}/shared.txt`, fd, 3, 2), '234');
  assert.equal(vfsOpens - before.opens, 1, 'later reads use the adopted handle');
  assert.equal(await answer((cb) => ops.release!(`${d}/shared.txt`, fd, cb)), 0);
  assert.equal(handles.get(fd), undefined);
});

test("libfuse's hidden rename adopts the binding's fds at the path before the file leaves the VFS", async () => {
  await writeFile(s.vfs, `${d}/doomed.txt`, Buffer.from('old bytes'));
  const fd = lazyFd(2);
  heldByBinding = new Map([[`${d}/doomed.txt`, [fd]]]);
  const hidden = `${d}/.fuse_hidden0000000a00000001`;
  assert.equal(await answer((cb) => ops.rename!(`${d}/doomed.txt`, hidden, cb)), 0);
  await assert.rejects(s.vfs.stat(`${d}/doomed.txt`), /ENOENT|no such/);
  await assert.rejects(s.vfs.stat(hidden), /ENOENT|no such/, 'removed, not renamed to the hidden name');
  assert.equal(handles.get(fd)?.unlinked, true);
  assert.equal(await read(hidden, fd, 64, 0), 'old bytes');
  assert.equal(await answer((cb) => ops.release!(hidden, fd, cb)), 0);
  // libfuse's unlink of the hidden name after the last release has nothing left to do.
  assert.equal(await answer((cb) => ops.unlink!(hidden, cb)), 0);
});

test('a lazy fd whose file is gone fails its read, and its release still answers', async () => {
  const fd = lazyFd(3);
  await assert.rejects(read(`${d}/never-there.txt`, fd, 4, 0), /read: -2/);
  assert.equal(await answer((cb) => ops.release!(`${d}/never-there.txt`, fd, cb)), 0);
  assert.equal(handles.size, 0);
});
