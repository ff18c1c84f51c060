// fuse-native operations → Vfs. Each op answers exactly once: results through the callback, every
// failure through the one errno table. Data ops go through the handle table (fd → FileHandle).
import path from 'node:path';
import { constants as fsc } from 'node:fs';
import type { FuseOps, FuseStat } from 'fuse-native';
import { VfsError } from '../core/errors.js';
import { msFromNs, type PosixAttrs } from '../vfs/posix-attrs.js';
import type { NodeInfo, OpenFlags, Vfs } from '../vfs/types.js';
import type { Logger } from '../shared/logger.js';
import { chmodAttrs, chownAttrs, newNodeAttrs, onlyCtimeChanged, utimensAttrs } from './attr-changes.js';
import { attrsOf, decodeOpenFlags, toStat, toStatfs, type Ownership } from './attrs.js';
import { checkNewName } from './new-names.js';
import type { Caller } from './fuse-class.js';
import { DirStreams } from './dir-streams.js';
import { LocalTimes } from './local-times.js';
import { ATTR_SLOT, type AttrSlot } from './native-binding.js';
import { ERRNO, ErrnoMapper, LOCAL_ERRNO } from './errno-map.js';
import { HandleTable, isHiddenName, isLazyFd, type OpenEntry } from './handle-table.js';
import { isMetaXattr, isSettableXattr, metaChange, XATTR_NAMESPACE, xattrNames, xattrValue } from './xattrs.js';
import { metaAccessOf } from '../core/view-remote.js';

export interface OpsOptions {
  own: Ownership;
  logger: Logger;
  /** The fixed binding is loaded (native-binding.ts); false with fuse-native's own, whose utimens only ever sees the atime. */
  fixedBinding: boolean;
  /**
   * POSIX attributes are stored with the files (modes, owners, times, symlinks, FIFOs and device
   * nodes) and the kernel checks permissions; false: plain mode, every file shows --uid, --gid, --umask.
   */
  posix: boolean;
  /** Who made the request being served (set by fuse-class.ts before each op). */
  caller: Caller;
  /** Hands the binding what getattr answers for one of the request's paths (fixed binding only; native-binding.ts). */
  primeAttrs?: (native: unknown, slot: AttrSlot, stat: FuseStat) => void;
  /** Tells the binding the request changed nothing getattr answers (fixed binding only). */
  unchangedAttrs?: (native: unknown) => void;
  /** Counts the requests that reach JS, by op. */
  requests?: Map<string, number>;
  /** The binding's read-only opens at a path JS has not adopted yet, now JS's to adopt (fixed binding only; native-binding.ts). */
  lazyTake?: (path: string) => number[];
  /** Counts the binding's lazy fds JS adopted (opened their VFS handles). */
  adoptions?: { count: number };
}

/** File types stored as zero-byte PDS files, marked in their attributes; the kernel does their I/O. */
const SPECIAL_TYPES = new Set([fsc.S_IFIFO, fsc.S_IFSOCK, fsc.S_IFCHR, fsc.S_IFBLK]);

/**
 * Time limits per op. fuse-native's own 15 s timer is off (see mount.ts): it cannot undo an open that
 * completes after the kernel was told it failed. libfuse2 serves at most 10 requests at once, so no op
 * may wait without bound. Writers can wait for upload room; flush and release for the staging fsync.
 */
const TIME_LIMIT_MS: Readonly<Record<string, number>> = {
  write: 120_000,
  flush: 120_000,
  fsync: 120_000,
  release: 120_000,
  // The first listing of a folder of 100,000 entries is a thousand server pages; concurrent
  // readdirs of one folder share it, so this holds at most one thread per folder being listed.
  readdir: 300_000,
};
const DEFAULT_TIME_LIMIT_MS = 30_000;

const CREATE_FLAGS: OpenFlags = { read: true, write: true, create: true, truncate: true };
/** What a read-only open the binding answered itself asked for (lazy-open-c.ts: O_RDONLY, no O_TRUNC). */
const LAZY_OPEN_FLAGS: OpenFlags = decodeOpenFlags(fsc.O_RDONLY);

/** fuse-native copies each readdir name into a 1024-byte C buffer: a longer one would arrive cut short. */
const MAX_LISTED_NAME_BYTES = 1023;

export function createOps(vfs: Vfs, handles: HandleTable, opts: OpsOptions): FuseOps {
  const errors = new ErrnoMapper(opts.logger);
  const metaAccess = metaAccessOf(vfs);
  const posix = opts.posix && opts.fixedBinding;
  const localTimes = new LocalTimes();
  const listings = new DirStreams({
    pages: (p) => vfs.readdirPages(p),
    listable: (name) => Buffer.byteLength(name) <= MAX_LISTED_NAME_BYTES,
    onSkipped: (p, skipped) => opts.logger.warn({ path: p, skipped }, 'names over 1023 bytes cannot be listed through FUSE'),
  });
  let warnedMtime = false;

  /** Answers once: the value, the mapped error, or ETIMEDOUT at the time limit (onLate then gets a late value). */
  function reply<T>(op: string, p: string, cb: (code: number, value?: T) => void, work: (unanswered: () => boolean) => Promise<T>, onLate?: (value: T) => void): void {
    opts.requests?.set(op, (opts.requests.get(op) ?? 0) + 1);
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      opts.logger.warn({ op, path: p }, 'fuse op timed out');
      cb(ERRNO.ETIMEDOUT);
    }, TIME_LIMIT_MS[op] ?? DEFAULT_TIME_LIMIT_MS);
    const settle = (code: number, value?: T) => {
      if (answered) {
        if (code === 0 && onLate) onLate(value as T);
        return;
      }
      answered = true;
      clearTimeout(timer);
      cb(code, value);
    };
    run(() => work(() => !answered)).then((value) => settle(0, value), (err: unknown) => settle(errors.errno(err, op, p)));
  }
  /**
   * reply(), and once the work succeeded, hands the binding what getattr answers now for the given
   * paths of the request (its slots), so that the getattr libfuse sends right after the op is
   * answered in C. The request's handle is read at once: call before the op's first await.
   */
  function replyWithAttrs<T>(op: string, p: string, cb: (code: number, value?: T) => void, slots: readonly (readonly [AttrSlot, string])[], work: () => Promise<T>, onLate?: (value: T) => void): void {
    const native = opts.caller.native;
    const prime = opts.primeAttrs;
    reply(op, p, cb, async (unanswered) => {
      const value = await work();
      if (prime) {
        // A rename within one folder has it in two slots: one stat serves both.
        const stats = new Map<string, FuseStat | undefined>();
        for (const [slot, at] of slots) {
          if (!stats.has(at)) stats.set(at, await statAnswer(at).catch(() => undefined));
          const stat = stats.get(at);
          // Once answered (timed out), the handle may serve another request already.
          if (stat && unanswered()) prime(native, slot, stat);
        }
      }
      return value;
    }, onLate);
  }
  /** read and write answer with a byte count or a negative errno in the same argument. */
  function count(op: string, p: string, cb: (n: number) => void, work: () => Promise<number>): void {
    reply(op, p, (code, n) => cb(code < 0 ? code : (n ?? 0)), work);
  }
  /** An open that finished after its time limit: nobody holds the fd, so let it go. */
  function releaseLate(fd: number): void {
    handles.remove(fd)?.handle.release().catch((err: unknown) => errors.errno(err, 'release', ''));
  }
  /** Adoptions of the binding's lazy fds under way: concurrent first ops on one fd share one. */
  const adopting = new Map<number, Promise<OpenEntry>>();
  /** Opens the VFS handle of a read-only open the binding answered itself (handle-table.ts), once. */
  function adopt(fd: number, p: string): Promise<OpenEntry> {
    let pending = adopting.get(fd);
    if (!pending) {
      pending = vfs.open(p, LAZY_OPEN_FLAGS).then((handle) => {
        if (opts.adoptions) opts.adoptions.count++;
        return handles.adopt(fd, handle, LAZY_OPEN_FLAGS, p);
      }).finally(() => adopting.delete(fd));
      adopting.set(fd, pending);
    }
    return pending;
  }
  /** Before libfuse's hidden rename of a file unlinked while open: its lazy fds get VFS handles while it is still there. */
  async function adoptLazyAt(p: string): Promise<void> {
    await Promise.all((opts.lazyTake?.(p) ?? []).map((fd) => adopt(fd, p)));
  }
  async function entry(fd: number, p: string): Promise<OpenEntry> {
    const found = handles.get(fd);
    if (found) return found;
    if (isLazyFd(fd)) return adopt(fd, p);
    throw new VfsError('EBADF', 'no such open file', p);
  }
  async function refuseIfReadOnly(p: string): Promise<void> {
    if ((await statOf(p)).readOnly) throw new VfsError('EROFS', 'read-only', p);
  }
  /** The VFS describes open files too (live size of writers); only unlinked ones are left to their handle. */
  async function statOf(p: string): Promise<NodeInfo> {
    const open = handles.at(p)[0];
    return open?.unlinked ? open.handle.stat() : vfs.stat(p);
  }
  /** What getattr answers for p. */
  async function statAnswer(p: string): Promise<FuseStat> {
    return localTimes.apply(p, toStat(await statOf(p), opts.own, posix));
  }
  async function attrsAt(p: string): Promise<PosixAttrs> {
    return attrsOf(await statOf(p), opts.own, posix);
  }
  /** Attributes of a node `caller` creates at p (read before the op's first await: the caller changes with the next op). */
  function creating(p: string, mode: number, rdev = 0): () => Promise<PosixAttrs> {
    const caller = { ...opts.caller };
    return async () => newNodeAttrs(mode, caller, await attrsAt(path.posix.dirname(p)), rdev);
  }
  /** Stores changed attributes; a file unlinked while open keeps none (it is gone from the drive). */
  async function changeAttrs(p: string, change: (cur: PosixAttrs) => PosixAttrs): Promise<void> {
    if (handles.at(p)[0]?.unlinked) return;
    const node = await statOf(p);
    if (node.readOnly) throw new VfsError('EROFS', 'read-only', p);
    const stored = attrsOf(node, opts.own, true);
    const next = change(localTimes.apply(p, stored));
    if (onlyCtimeChanged(stored, next)) {
      // Its new ctime is shown, not stored (local-times.ts): an update of each folder rsync wrote into.
      localTimes.forget(p);
      localTimes.touch(p, false);
      return;
    }
    await vfs.setAttrs(p, next);
    localTimes.forget(p);
  }
  /** After an entry was added to or removed from the folders of `paths` (local-times.ts). */
  function entriesChanged(...paths: string[]): void {
    if (posix) for (const p of paths) localTimes.touch(path.posix.dirname(p), true);
  }
  /** A zero-byte file (or a symlink's target) with the given attributes; EEXIST when p exists. */
  async function createSpecial(p: string, attrs: PosixAttrs, content?: Buffer): Promise<void> {
    checkNewName(p);
    const handle = await vfs.open(p, { read: false, write: true, create: true, exclusive: true, attrs });
    try {
      if (content) await handle.write(content, 0, content.length);
    } finally {
      await handle.release();
    }
    entriesChanged(p);
  }

  return {
    getattr: (p, cb) => reply('getattr', p, cb, () => statAnswer(p)),

    // Each name comes with what getattr answers for it: the binding answers the lookups that
    // follow (ls -l) in C (native-binding.ts).
    readdir: (p, offset, cb) =>
      reply('readdir', p, cb, async () => {
        const page = await listings.read(p, offset);
        opts.logger.debug({ path: p, offset, names: page.names.length, restarts: listings.counts.restarts }, 'readdir page');
        let self: FuseStat | undefined;
        const stats: FuseStat[] = [];
        for (const [i, name] of page.names.entries()) {
          const node = page.nodes[i];
          if (node) stats.push(localTimes.applyInFolder(p, name, toStat(node, opts.own, posix)));
          else if (name === '.') stats.push((self ??= await statAnswer(p)));
          else stats.push(await statAnswer(path.posix.dirname(p)).catch(async () => (self ??= await statAnswer(p))));
        }
        return { names: page.names, offsets: page.offsets, stats, end: page.end };
      }),

    // Plain mode only: with POSIX attributes the kernel checks access itself (default_permissions).
    access: (p, mode, cb) =>
      reply('access', p, cb, async () => {
        const node = await statOf(p);
        if (mode & fsc.W_OK && node.readOnly) throw new VfsError('EROFS', 'read-only', p);
        if (mode & fsc.X_OK && node.kind === 'file') throw new VfsError('EACCES', 'files are not executable', p);
      }),

    statfs: (p, cb) => reply('statfs', p, cb, async () => toStatfs(await vfs.statfs(p))),

    // libfuse follows an open with a getattr (auto_cache compares size and mtime).
    open: (p, flags, cb) =>
      replyWithAttrs('open', p, cb, [[ATTR_SLOT.path, p]], async () => {
        const decoded = decodeOpenFlags(flags);
        return handles.add(await vfs.open(p, decoded), decoded, p).fd;
      }, releaseLate),

    create: (p, mode, cb) => {
      const attrs = creating(p, fsc.S_IFREG | (mode & 0o7777));
      replyWithAttrs('create', p, cb, [[ATTR_SLOT.path, p], [ATTR_SLOT.folder, path.posix.dirname(p)]], async () => {
        checkNewName(p);
        const flags = posix ? { ...CREATE_FLAGS, attrs: await attrs() } : CREATE_FLAGS;
        const fd = handles.add(await vfs.open(p, flags), flags, p).fd;
        entriesChanged(p);
        return fd;
      }, releaseLate);
    },

    read: (p, fd, buf, len, pos, cb) =>
      count('read', p, cb, async () => {
        const { handle } = await entry(fd, p);
        // A short answer is EOF to the kernel, so keep going across block boundaries.
        let done = 0;
        while (done < len) {
          const n = await handle.read(buf.subarray(done, len), pos + done, len - done);
          if (n <= 0) break;
          done += n;
        }
        return done;
      }),

    write: (p, fd, buf, len, pos, cb) =>
      count('write', p, cb, async () => {
        const { handle } = await entry(fd, p);
        let done = 0;
        while (done < len) {
          const n = await handle.write(buf.subarray(done, len), pos + done, len - done);
          if (n <= 0) throw new VfsError('EIO', 'write made no progress', p);
          done += n;
        }
        return done;
      }),

    truncate: (p, size, cb) =>
      replyWithAttrs('truncate', p, cb, [[ATTR_SLOT.path, p]], async () => {
        const writer = handles.at(p).find((e) => e.flags.write);
        if (writer) return writer.handle.truncate(size);
        const handle = await vfs.open(p, { read: false, write: true, truncate: size === 0 });
        try {
          if (size !== 0) await handle.truncate(size);
        } finally {
          await handle.release();
        }
      }),

    ftruncate: (p, fd, size, cb) => replyWithAttrs('ftruncate', p, cb, [[ATTR_SLOT.path, p]], async () => (await entry(fd, p)).handle.truncate(size)),

    // A read-only handle's flush reaches JS only with the shipped binary (the fixed one answers it, handle-table.ts).
    flush: (p, fd, cb) => replyWithAttrs('flush', p, cb, [[ATTR_SLOT.path, p]], async () => (await entry(fd, p)).handle.flush()),

    fsync: (p, _datasync, fd, cb) => reply('fsync', p, cb, async () => (await entry(fd, p)).handle.sync()),

    // The kernel asks for a written file's attributes again after it is closed; a reader's close
    // changes nothing it holds, so nothing is handed over (a stat saved per close of a reader). A
    // lazy fd reaches here only once adopted (the binding lets go of the others itself).
    release: (p, fd, cb) => {
      const open = handles.get(fd);
      if (!open?.flags.write) {
        return reply('release', p, cb, async () => {
          await adopting.get(fd)?.catch(() => undefined);
          await handles.remove(fd)?.handle.release();
        });
      }
      // It runs beside what the closer does next (rsync: utimens; the kernel sends it after close(2)
      // returned). Changing nothing getattr answers, it leaves the binding what those handed over.
      const native = opts.caller.native;
      const unchanged = opts.unchangedAttrs && !open.handle.changedSinceFlush() ? opts.unchangedAttrs : undefined;
      if (!unchanged) return replyWithAttrs('release', p, cb, [[ATTR_SLOT.path, p]], async () => handles.remove(fd)?.handle.release());
      reply('release', p, cb, async (unanswered) => {
        await handles.remove(fd)?.handle.release();
        if (unanswered()) unchanged(native);
      });
    },

    unlink: (p, cb) =>
      replyWithAttrs('unlink', p, cb, [[ATTR_SLOT.folder, path.posix.dirname(p)]], async () => {
        if (handles.takeHidden(p)) return;
        await vfs.remove(p, { recursive: false });
        entriesChanged(p);
      }),

    rename: (from, to, cb) =>
      replyWithAttrs('rename', from, cb, [[ATTR_SLOT.dest, to], [ATTR_SLOT.folder, path.posix.dirname(from)], [ATTR_SLOT.destFolder, path.posix.dirname(to)]], async () => {
        const hiding = isHiddenName(path.posix.basename(to));
        if (hiding) await adoptLazyAt(from);
        if (hiding && handles.at(from).length > 0) {
          // libfuse hides a file that is unlinked while open: remove it now, keep its handles.
          await vfs.remove(from, { recursive: false });
          handles.hide(from, to);
          return;
        }
        checkNewName(to);
        await vfs.rename(from, to, { overwrite: true });
        handles.renamed(from, to);
        entriesChanged(from, to);
        if (posix) localTimes.renamed(from, to);
      }),

    mkdir: (p, mode, cb) => {
      const attrs = creating(p, fsc.S_IFDIR | (mode & 0o7777));
      replyWithAttrs('mkdir', p, cb, [[ATTR_SLOT.path, p], [ATTR_SLOT.folder, path.posix.dirname(p)]], async () => {
        checkNewName(p);
        await vfs.mkdir(p, posix ? await attrs() : undefined);
        entriesChanged(p);
      });
    },

    rmdir: (p, cb) =>
      replyWithAttrs('rmdir', p, cb, [[ATTR_SLOT.folder, path.posix.dirname(p)]], async () => {
        await vfs.remove(p, { recursive: false });
        entriesChanged(p);
      }),

    utimens: (p, atime, mtime, cb) =>
      replyWithAttrs('utimens', p, cb, [[ATTR_SLOT.path, p]], async () => {
        if (!opts.fixedBinding) {
          if (!warnedMtime) opts.logger.warn('mtime changes are ignored: fuse-native binding without the utimens fix');
          warnedMtime = true;
          return;
        }
        if (posix) return changeAttrs(p, (cur) => utimensAttrs(cur, atime, mtime));
        if (handles.at(p)[0]?.unlinked || mtime === 'omit') return;
        await vfs.setMtime(p, mtime === 'now' ? Date.now() : msFromNs(mtime));
      }),

    // Plain mode accepts them (so that cp -p, rsync -a and editors work) and keeps nothing, except
    // on read-only volumes, which refuse every change.
    chmod: (p, mode, cb) =>
      replyWithAttrs('chmod', p, cb, [[ATTR_SLOT.path, p]], () => (posix ? changeAttrs(p, (cur) => chmodAttrs(cur, mode)) : refuseIfReadOnly(p))),
    chown: (p, uid, gid, cb) =>
      replyWithAttrs('chown', p, cb, [[ATTR_SLOT.path, p]], () => (posix ? changeAttrs(p, (cur) => chownAttrs(cur, uid, gid)) : refuseIfReadOnly(p))),

    // A symlink is a small PDS file holding the target, marked S_IFLNK in its attributes.
    symlink: (target, p, cb) => {
      if (!posix) return cb(LOCAL_ERRNO.EPERM);
      const attrs = creating(p, fsc.S_IFLNK | 0o777);
      // The binding has the link's path as the request's dest (its path is the target).
      replyWithAttrs('symlink', p, cb, [[ATTR_SLOT.dest, p], [ATTR_SLOT.destFolder, path.posix.dirname(p)]], async () => createSpecial(p, await attrs(), Buffer.from(target)));
    },
    readlink: (p, cb) =>
      reply('readlink', p, cb, async () => {
        const node = await statOf(p);
        if ((attrsOf(node, opts.own, posix).mode & fsc.S_IFMT) !== fsc.S_IFLNK) throw new VfsError('EINVAL', 'not a symbolic link', p);
        const handle = await vfs.open(p, { read: true, write: false });
        try {
          const buf = Buffer.alloc(node.size);
          const n = await handle.read(buf, 0, node.size);
          return buf.subarray(0, n).toString();
        } finally {
          await handle.release();
        }
      }),
    // Hard links are refused: PDS has one name per file, and a copy would not follow later writes.
    link: (_src, _dest, cb) => cb(LOCAL_ERRNO.EPERM),
    mknod: (p, mode, dev, cb) => {
      const type = mode & fsc.S_IFMT;
      const attrs = creating(p, mode, type === fsc.S_IFCHR || type === fsc.S_IFBLK ? dev : 0);
      replyWithAttrs('mknod', p, cb, [[ATTR_SLOT.path, p], [ATTR_SLOT.folder, path.posix.dirname(p)]], async () => {
        if (type !== fsc.S_IFREG && !(posix && SPECIAL_TYPES.has(type))) throw new VfsError('EPERM', 'only regular files', p);
        if (!posix) {
          checkNewName(p);
          const handle = await vfs.open(p, { read: false, write: true, create: true, exclusive: true });
          return handle.release();
        }
        await createSpecial(p, await attrs());
      });
    },

    getxattr: (p, name, _position, cb) => {
      // Answered without touching the VFS (the kernel asks for security.capability before writes), as
      // the fixed binding does in C: no namespace but user.* is supported; other user.* names are unset.
      if (!name.startsWith('user.')) return cb(LOCAL_ERRNO.ENOTSUP);
      if (!name.startsWith(XATTR_NAMESPACE)) return cb(0, null);
      reply('getxattr', p, cb, async () => xattrValue(await statOf(p), name, isMetaXattr(name) ? await metaAccess?.meta(p) : undefined));
    },
    listxattr: (p, cb) => reply('listxattr', p, cb, async () => xattrNames(await statOf(p), await metaAccess?.meta(p))),
    setxattr: (p, name, value, _position, _flags, cb) => {
      if (metaAccess && isMetaXattr(name) && !isSettableXattr(name)) return cb(LOCAL_ERRNO.EPERM);
      if (!metaAccess || !isSettableXattr(name)) return cb(LOCAL_ERRNO.ENOTSUP);
      reply('setxattr', p, cb, () => metaAccess.setMeta(p, metaChange(name, value, p)!));
    },
    removexattr: (p, name, cb) => {
      if (metaAccess && isMetaXattr(name) && !isSettableXattr(name)) return cb(LOCAL_ERRNO.EPERM);
      if (!metaAccess || !isSettableXattr(name)) return cb(LOCAL_ERRNO.ENOTSUP);
      reply('removexattr', p, cb, () => metaAccess.setMeta(p, metaChange(name, null, p)!));
    },
  };
}

/** Runs work so that a synchronous throw also becomes a rejection. */
function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (err) {
    return Promise.reject(err);
  }
}
