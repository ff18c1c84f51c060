// fuse-native operations → Vfs. Each op answers exactly once: results through the callback, every
// failure through the one errno table. Data ops go through the handle table (fd → FileHandle).
import path from 'node:path';
import { constants as fsc } from 'node:fs';
import type { FuseOps } from 'fuse-native';
import { VfsError } from '../core/errors.js';
import type { NodeInfo, OpenFlags, Vfs } from '../vfs/types.js';
import type { Logger } from '../shared/logger.js';
import { decodeOpenFlags, NAME_MAX, toStat, toStatfs, type Ownership } from './attrs.js';
import { ERRNO, ErrnoMapper, LOCAL_ERRNO } from './errno-map.js';
import { HandleTable, isHiddenName, type OpenEntry } from './handle-table.js';
import { isMetaXattr, isSettableXattr, metaChange, XATTR_NAMESPACE, xattrNames, xattrValue } from './xattrs.js';
import { metaAccessOf } from '../core/view-remote.js';

export interface OpsOptions {
  own: Ownership;
  logger: Logger;
  /** False with fuse-native's unpatched binary, whose utimens only ever sees the atime. */
  mtimeSupported: boolean;
}

/**
 * Time limits per op. fuse-native's own 15 s timer is off (see mount.ts): it cannot undo an open that
 * completes after the kernel was told it failed. libfuse2 serves at most 10 requests at once, so no op
 * may wait without bound. Writers can wait for upload room; flush and release for the staging fsync.
 */
const TIME_LIMIT_MS: Readonly<Record<string, number>> = { write: 120_000, flush: 120_000, fsync: 120_000, release: 120_000 };
const DEFAULT_TIME_LIMIT_MS = 30_000;

const CREATE_FLAGS: OpenFlags = { read: true, write: true, create: true, truncate: true };

/** fuse-native copies each readdir name into a 1024-byte C buffer: a longer one would arrive cut short. */
const MAX_LISTED_NAME_BYTES = 1023;

/**
 * Checks a name the mount is asked to create: at most the NAME_MAX that statfs reports, so what the
 * mount creates can be copied anywhere, and valid UTF-8. fuse-native decodes paths with U+FFFD for
 * bytes that are not UTF-8, so "a\xffb" and "a\xfeb" would both become the one file "a\ufffdb".
 */
function checkNewName(p: string): void {
  const name = path.posix.basename(p);
  if (Buffer.byteLength(name) > NAME_MAX) throw new VfsError('ENAMETOOLONG', `name is longer than ${NAME_MAX} bytes`, p);
  if (name.includes('\ufffd')) throw new VfsError('EINVAL', 'name is not valid UTF-8', p);
}

export function createOps(vfs: Vfs, handles: HandleTable, opts: OpsOptions): FuseOps {
  const errors = new ErrnoMapper(opts.logger);
  const metaAccess = metaAccessOf(vfs);
  let warnedMtime = false;

  /** Answers once: the value, the mapped error, or ETIMEDOUT at the time limit (onLate then gets a late value). */
  function reply<T>(op: string, p: string, cb: (code: number, value?: T) => void, work: () => Promise<T>, onLate?: (value: T) => void): void {
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
    run(work).then((value) => settle(0, value), (err: unknown) => settle(errors.errno(err, op, p)));
  }
  /** read and write answer with a byte count or a negative errno in the same argument. */
  function count(op: string, p: string, cb: (n: number) => void, work: () => Promise<number>): void {
    reply(op, p, (code, n) => cb(code < 0 ? code : (n ?? 0)), work);
  }
  /** An open that finished after its time limit: nobody holds the fd, so let it go. */
  function releaseLate(fd: number): void {
    handles.remove(fd)?.handle.release().catch((err: unknown) => errors.errno(err, 'release', ''));
  }
  function entry(fd: number, p: string): OpenEntry {
    const found = handles.get(fd);
    if (!found) throw new VfsError('EBADF', 'no such open file', p);
    return found;
  }
  async function refuseIfReadOnly(p: string): Promise<void> {
    if ((await statOf(p)).readOnly) throw new VfsError('EROFS', 'read-only', p);
  }
  /** The VFS describes open files too (live size of writers); only unlinked ones are left to their handle. */
  async function statOf(p: string): Promise<NodeInfo> {
    const open = handles.at(p)[0];
    return open?.unlinked ? open.handle.stat() : vfs.stat(p);
  }

  return {
    getattr: (p, cb) => reply('getattr', p, cb, async () => toStat(await statOf(p), opts.own)),

    readdir: (p, cb) =>
      reply('readdir', p, cb, async () => {
        const names = (await vfs.readdir(p)).map((n) => n.name);
        const listable = names.filter((n) => Buffer.byteLength(n) <= MAX_LISTED_NAME_BYTES);
        if (listable.length < names.length) opts.logger.warn({ path: p, skipped: names.length - listable.length }, 'names over 1023 bytes cannot be listed through FUSE');
        return ['.', '..', ...listable];
      }),

    access: (p, mode, cb) =>
      reply('access', p, cb, async () => {
        const node = await statOf(p);
        if (mode & fsc.W_OK && node.readOnly) throw new VfsError('EROFS', 'read-only', p);
        if (mode & fsc.X_OK && node.kind === 'file') throw new VfsError('EACCES', 'files are not executable', p);
      }),

    statfs: (p, cb) => reply('statfs', p, cb, async () => toStatfs(await vfs.statfs(p))),

    open: (p, flags, cb) =>
      reply('open', p, cb, async () => {
        const decoded = decodeOpenFlags(flags);
        return handles.add(await vfs.open(p, decoded), decoded, p).fd;
      }, releaseLate),

    create: (p, _mode, cb) =>
      reply('create', p, cb, async () => {
        checkNewName(p);
        return handles.add(await vfs.open(p, CREATE_FLAGS), CREATE_FLAGS, p).fd;
      }, releaseLate),

    read: (p, fd, buf, len, pos, cb) =>
      count('read', p, cb, async () => {
        const { handle } = entry(fd, p);
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
        const { handle } = entry(fd, p);
        let done = 0;
        while (done < len) {
          const n = await handle.write(buf.subarray(done, len), pos + done, len - done);
          if (n <= 0) throw new VfsError('EIO', 'write made no progress', p);
          done += n;
        }
        return done;
      }),

    truncate: (p, size, cb) =>
      reply('truncate', p, cb, async () => {
        const writer = handles.at(p).find((e) => e.flags.write);
        if (writer) return writer.handle.truncate(size);
        const handle = await vfs.open(p, { read: false, write: true, truncate: size === 0 });
        try {
          if (size !== 0) await handle.truncate(size);
        } finally {
          await handle.release();
        }
      }),

    ftruncate: (p, fd, size, cb) => reply('ftruncate', p, cb, () => entry(fd, p).handle.truncate(size)),

    flush: (p, fd, cb) => reply('flush', p, cb, () => entry(fd, p).handle.flush()),

    fsync: (p, _datasync, fd, cb) => reply('fsync', p, cb, () => entry(fd, p).handle.flush()),

    release: (p, fd, cb) =>
      reply('release', p, cb, async () => {
        await handles.remove(fd)?.handle.release();
      }),

    unlink: (p, cb) =>
      reply('unlink', p, cb, async () => {
        if (handles.takeHidden(p)) return;
        await vfs.remove(p, { recursive: false });
      }),

    rename: (from, to, cb) =>
      reply('rename', from, cb, async () => {
        if (isHiddenName(path.posix.basename(to)) && handles.at(from).length > 0) {
          // libfuse hides a file that is unlinked while open: remove it now, keep its handles.
          await vfs.remove(from, { recursive: false });
          handles.hide(from, to);
          return;
        }
        checkNewName(to);
        await vfs.rename(from, to, { overwrite: true });
        handles.renamed(from, to);
      }),

    mkdir: (p, _mode, cb) =>
      reply('mkdir', p, cb, async () => {
        checkNewName(p);
        await vfs.mkdir(p);
      }),

    rmdir: (p, cb) => reply('rmdir', p, cb, () => vfs.remove(p, { recursive: false })),

    utimens: (p, _atime, mtime, cb) =>
      reply('utimens', p, cb, async () => {
        if (!opts.mtimeSupported) {
          if (!warnedMtime) opts.logger.warn('mtime changes are ignored: fuse-native binding without the utimens fix');
          warnedMtime = true;
          return;
        }
        if (handles.at(p)[0]?.unlinked) return;
        // libfuse2 calls this only when both times are set (`touch -m` alone never arrives); the
        // kernel resolves "now" to a time first.
        await vfs.setMtime(p, mtime);
      }),

    // Accepted so that cp -p, rsync -a and editors work (PDS has no modes or owners to store them
    // in), except on read-only volumes, which refuse every change.
    chmod: (p, _mode, cb) => reply('chmod', p, cb, () => refuseIfReadOnly(p)),
    chown: (p, _uid, _gid, cb) => reply('chown', p, cb, () => refuseIfReadOnly(p)),

    symlink: (_target, _p, cb) => cb(LOCAL_ERRNO.EPERM),
    link: (_src, _dest, cb) => cb(LOCAL_ERRNO.EPERM),
    mknod: (p, mode, _dev, cb) =>
      reply('mknod', p, cb, async () => {
        if ((mode & fsc.S_IFMT) !== fsc.S_IFREG) throw new VfsError('EPERM', 'only regular files', p);
        checkNewName(p);
        const handle = await vfs.open(p, { read: false, write: true, create: true, exclusive: true });
        await handle.release();
      }),

    getxattr: (p, name, _position, cb) => {
      // The kernel asks for security.capability before writes: answer without touching the VFS.
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
