// The floor for bench/fuse-floor.ts: the cheapest filesystem JavaScript can serve through pdsfs's
// FUSE binding. Nodes in one Map by path, file data in Buffers, every op answered before its handler
// returns; mounted with pdsfs's binding (the fixed fuse-native, native-binding.ts), its Fuse class
// (fuse-class.ts) and its libfuse options (mount.ts), and handing the binding the same attributes
// pdsfs's ops do, so that the same getattrs are answered in C. What it costs is what fuse-native,
// libfuse and Node's event loop cost by themselves. Run as a child: `floor-fs.ts MOUNTPOINT` with an IPC
// channel; sends {mounted} once mounted, and answers {counts} with the requests that reached JS
// (by op) and the binding's C answers, and {remount} by unmounting and mounting the same nodes again
// (the kernel's caches start empty; the nodes stay).
import { constants as fsc } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FuseOps, FuseStat, FuseTime } from 'fuse-native';
import type { FuseRequestCounts } from '../src/core/fuse-request-counts.js';
import { fuseClass, statArray, type Caller } from '../src/fuse/fuse-class.js';
import { isLazyFd, READ_ONLY_FD_BIT } from '../src/fuse/handle-table.js';
import { countRequests, EXTRA_LIBFUSE_OPTIONS, fuseOptions } from '../src/fuse/mount.js';
import { ATTR_SLOT, type AttrSlot, loadFuse } from '../src/fuse/native-binding.js';
import { silentLogger } from '../src/shared/logger.js';

interface FloorNode {
  mode: number;
  uid: number;
  gid: number;
  ino: number;
  atime: bigint;
  mtime: bigint;
  ctime: bigint;
  /** A file's bytes: the first `size` of data. */
  size: number;
  data?: Buffer;
  /** A folder's names, in creation order. */
  names?: Set<string>;
  target?: string;
}

const E = { ENOENT: -2, EBADF: -9, EEXIST: -17, ENOTDIR: -20, EISDIR: -21, EINVAL: -22, ENOTEMPTY: -39, EPERM: -1, ENOTSUP: -95 } as const;
const PAGE = 256;

const mnt = process.argv[2];
if (!mnt) throw new Error('usage: floor-fs.ts MOUNTPOINT');

const nodes = new Map<string, FloorNode>();
const handles = new Map<number, FloorNode>();
const requests = new Map<string, number>();
let nextIno = 2;
let nextFd = 1;
const caller: Caller = { uid: 0, gid: 0 };
const now = () => BigInt(Date.now()) * 1_000_000n;

function newNode(mode: number, extra: Partial<FloorNode> = {}): FloorNode {
  const t = now();
  return { mode, uid: caller.uid, gid: caller.gid, ino: nextIno++, atime: t, mtime: t, ctime: t, size: 0, ...extra };
}
nodes.set('/', { ...newNode(fsc.S_IFDIR | 0o755, { names: new Set() }), ino: 1 });

function stat(n: FloorNode): FuseStat {
  const dir = (n.mode & fsc.S_IFMT) === fsc.S_IFDIR;
  return { mode: n.mode, uid: n.uid, gid: n.gid, size: dir ? 4096 : n.size, nlink: dir ? 2 : 1, ino: n.ino, rdev: 0, blksize: 131072, blocks: Math.ceil(n.size / 512), atime: n.atime, mtime: n.mtime, ctime: n.ctime };
}

const parentOf = (p: string) => path.posix.dirname(p);
const nameOf = (p: string) => path.posix.basename(p);

const binding = await loadFuse(path.join(os.homedir(), '.cache', 'pdsfs', 'native'), silentLogger());
const { primeAttrs } = binding;
/** Hands the binding what getattr answers for the request's paths, as pdsfs's ops do (ops.ts). */
function prime(slots: readonly (readonly [AttrSlot, string])[]): void {
  if (!primeAttrs) return;
  for (const [slot, at] of slots) {
    const n = nodes.get(at);
    if (n) primeAttrs(caller.native, slot, statArray(stat(n), true));
  }
}
function count(op: string): void {
  requests.set(op, (requests.get(op) ?? 0) + 1);
}

/** Adds node at p to its folder; the errno when it cannot. */
function link(p: string, node: FloorNode): number {
  const dir = nodes.get(parentOf(p));
  if (!dir?.names) return E.ENOENT;
  if (nodes.has(p)) return E.EEXIST;
  nodes.set(p, node);
  dir.names.add(nameOf(p));
  dir.mtime = dir.ctime = now();
  return 0;
}
function unlinkPath(p: string): void {
  nodes.delete(p);
  const dir = nodes.get(parentOf(p));
  dir?.names?.delete(nameOf(p));
  if (dir) dir.mtime = dir.ctime = now();
}
/** The node of an fd; a read-only open the binding answered itself is adopted at its first use, as ops.ts does. */
function fileAt(fd: number, p: string): FloorNode | undefined {
  const open = handles.get(fd);
  if (open || !isLazyFd(fd)) return open;
  const n = nodes.get(p);
  if (n) handles.set(fd, n);
  return n;
}
function openFd(node: FloorNode, write: boolean): number {
  const fd = nextFd++ | (write ? 0 : READ_ONLY_FD_BIT);
  handles.set(fd, node);
  return fd;
}
function grow(n: FloorNode, end: number): void {
  if (!n.data || n.data.length < end) {
    const data = Buffer.alloc(Math.max(end, (n.data?.length ?? 0) * 2, 4096));
    n.data?.copy(data, 0, 0, n.size);
    n.data = data;
  }
  if (end > n.size) n.size = end;
}
function truncateNode(n: FloorNode, size: number): void {
  if (size > n.size) {
    grow(n, size);
    n.data!.fill(0, n.size, size);
  }
  n.size = size;
  n.mtime = n.ctime = now();
}
function setTime(cur: bigint, t: FuseTime): bigint {
  return t === 'omit' ? cur : t === 'now' ? now() : t;
}

const ops: FuseOps = {
  getattr(p, cb) {
    count('getattr');
    const n = nodes.get(p);
    return n ? cb(0, stat(n)) : cb(E.ENOENT);
  },
  readdir(p, offset, cb) {
    count('readdir');
    const dir = nodes.get(p);
    if (!dir?.names) return cb(E.ENOTDIR);
    const all = ['.', '..', ...dir.names];
    const names = all.slice(offset, offset + PAGE);
    const stats = names.map((name) => stat(name === '.' ? dir : name === '..' ? (nodes.get(parentOf(p)) ?? dir) : nodes.get(path.posix.join(p, name))!));
    cb(0, { names, offsets: names.map((_, i) => offset + i + 1), stats });
  },
  access(_p, _mode, cb) {
    count('access');
    cb(0);
  },
  statfs(_p, cb) {
    count('statfs');
    cb(0, { bsize: 4096, frsize: 4096, blocks: 1 << 24, bfree: 1 << 23, bavail: 1 << 23, files: 1 << 20, ffree: 1 << 19, favail: 1 << 19, fsid: 0, flag: 0, namemax: 255 });
  },
  open(p, flags, cb) {
    count('open');
    const n = nodes.get(p);
    if (!n) return cb(E.ENOENT);
    if (flags & fsc.O_TRUNC) truncateNode(n, 0);
    prime([[ATTR_SLOT.path, p]]);
    cb(0, openFd(n, (flags & 3) !== fsc.O_RDONLY));
  },
  create(p, mode, cb) {
    count('create');
    const node = newNode(fsc.S_IFREG | (mode & 0o7777));
    const err = link(p, node);
    if (err) return cb(err);
    prime([[ATTR_SLOT.path, p], [ATTR_SLOT.folder, parentOf(p)]]);
    cb(0, openFd(node, true));
  },
  read(p, fd, buf, len, pos, cb) {
    count('read');
    const n = fileAt(fd, p);
    if (!n) return cb(E.EBADF);
    const end = Math.min(n.size, pos + len);
    cb(end > pos ? n.data!.copy(buf, 0, pos, end) : 0);
  },
  write(p, fd, buf, len, pos, cb) {
    count('write');
    const n = fileAt(fd, p);
    if (!n) return cb(E.EBADF);
    grow(n, pos + len);
    buf.copy(n.data!, pos, 0, len);
    n.mtime = n.ctime = now();
    cb(len);
  },
  truncate(p, size, cb) {
    count('truncate');
    const n = nodes.get(p);
    if (!n) return cb(E.ENOENT);
    truncateNode(n, size);
    prime([[ATTR_SLOT.path, p]]);
    cb(0);
  },
  ftruncate(p, fd, size, cb) {
    count('ftruncate');
    const n = fileAt(fd, p);
    if (!n) return cb(E.EBADF);
    truncateNode(n, size);
    prime([[ATTR_SLOT.path, p]]);
    cb(0);
  },
  flush(p, _fd, cb) {
    count('flush');
    prime([[ATTR_SLOT.path, p]]);
    cb(0);
  },
  fsync(_p, _datasync, _fd, cb) {
    count('fsync');
    cb(0);
  },
  release(p, fd, cb) {
    count('release');
    handles.delete(fd);
    // As ops.ts: only a writer's close makes the kernel ask for the file's attributes again.
    if (!(fd & READ_ONLY_FD_BIT)) prime([[ATTR_SLOT.path, p]]);
    cb(0);
  },
  unlink(p, cb) {
    count('unlink');
    if (!nodes.has(p)) return cb(E.ENOENT);
    unlinkPath(p);
    prime([[ATTR_SLOT.folder, parentOf(p)]]);
    cb(0);
  },
  rename(from, to, cb) {
    count('rename');
    const n = nodes.get(from);
    if (!n) return cb(E.ENOENT);
    const target = nodes.get(to);
    if (target?.names?.size) return cb(E.ENOTEMPTY);
    if (target) unlinkPath(to);
    unlinkPath(from);
    const err = link(to, n);
    if (err) return cb(err);
    if (n.names) {
      const prefix = `${from}/`;
      for (const [p, child] of [...nodes]) {
        if (!p.startsWith(prefix)) continue;
        nodes.delete(p);
        nodes.set(to + p.slice(from.length), child);
      }
    }
    n.ctime = now();
    prime([[ATTR_SLOT.dest, to], [ATTR_SLOT.folder, parentOf(from)], [ATTR_SLOT.destFolder, parentOf(to)]]);
    cb(0);
  },
  mkdir(p, mode, cb) {
    count('mkdir');
    const err = link(p, newNode(fsc.S_IFDIR | (mode & 0o7777), { names: new Set() }));
    if (err) return cb(err);
    prime([[ATTR_SLOT.path, p], [ATTR_SLOT.folder, parentOf(p)]]);
    cb(0);
  },
  rmdir(p, cb) {
    count('rmdir');
    const n = nodes.get(p);
    if (!n) return cb(E.ENOENT);
    if (n.names?.size) return cb(E.ENOTEMPTY);
    unlinkPath(p);
    prime([[ATTR_SLOT.folder, parentOf(p)]]);
    cb(0);
  },
  utimens(p, atime, mtime, cb) {
    count('utimens');
    const n = nodes.get(p);
    if (!n) return cb(E.ENOENT);
    n.atime = setTime(n.atime, atime);
    n.mtime = setTime(n.mtime, mtime);
    n.ctime = now();
    prime([[ATTR_SLOT.path, p]]);
    cb(0);
  },
  chmod(p, mode, cb) {
    count('chmod');
    const n = nodes.get(p);
    if (!n) return cb(E.ENOENT);
    n.mode = (n.mode & fsc.S_IFMT) | (mode & 0o7777);
    n.ctime = now();
    prime([[ATTR_SLOT.path, p]]);
    cb(0);
  },
  chown(p, uid, gid, cb) {
    count('chown');
    const n = nodes.get(p);
    if (!n) return cb(E.ENOENT);
    if (uid !== 0xffffffff) n.uid = uid;
    if (gid !== 0xffffffff) n.gid = gid;
    n.ctime = now();
    prime([[ATTR_SLOT.path, p]]);
    cb(0);
  },
  symlink(target, p, cb) {
    count('symlink');
    const err = link(p, newNode(fsc.S_IFLNK | 0o777, { target, size: Buffer.byteLength(target) }));
    if (err) return cb(err);
    prime([[ATTR_SLOT.dest, p], [ATTR_SLOT.destFolder, parentOf(p)]]);
    cb(0);
  },
  readlink(p, cb) {
    count('readlink');
    const n = nodes.get(p);
    return n?.target !== undefined ? cb(0, n.target) : cb(E.EINVAL);
  },
  link(_src, _dest, cb) {
    count('link');
    cb(E.EPERM);
  },
  mknod(p, mode, _dev, cb) {
    count('mknod');
    const err = link(p, newNode(mode));
    if (err) return cb(err);
    prime([[ATTR_SLOT.path, p], [ATTR_SLOT.folder, parentOf(p)]]);
    cb(0);
  },
  getxattr(_p, _name, _position, cb) {
    count('getxattr');
    cb(0, null);
  },
  listxattr(_p, cb) {
    count('listxattr');
    cb(0, []);
  },
  setxattr(_p, _name, _value, _position, _flags, cb) {
    count('setxattr');
    cb(E.ENOTSUP);
  },
  removexattr(_p, _name, cb) {
    count('removexattr');
    cb(E.ENOTSUP);
  },
};

const FloorFuse = fuseClass(binding, EXTRA_LIBFUSE_OPTIONS, caller);
let fuse = new FloorFuse(mnt, ops, fuseOptions({ allowOther: false, defaultPermissions: true }));
const mount = () => new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(err) : resolve())));
const unmount = () => new Promise<void>((resolve, reject) => fuse.unmount((err) => (err ? reject(err) : resolve())));
await mount();
process.send!({ mounted: true });

process.on('message', (msg: { cmd: 'counts' | 'remount' }) => {
  if (msg.cmd === 'counts') {
    const counts: FuseRequestCounts = countRequests(binding, requests, 0);
    process.send!({ counts });
  } else {
    void (async () => {
      await unmount();
      fuse = new FloorFuse(mnt, ops, fuseOptions({ allowOther: false, defaultPermissions: true }));
      await mount();
      process.send!({ remounted: true });
    })();
  }
});
process.on('SIGTERM', () => void unmount().finally(() => process.exit(0)));
