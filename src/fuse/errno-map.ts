// The one VfsError → errno table of the FUSE front-end. fuse-native wants negative errno values; they
// equal Fuse.<NAME> (test/fuse/errno-map.test.ts checks every entry against the binding) but come from
// os.constants so this table loads without the native binding.
import os from 'node:os';
import { VfsError, type VfsCode } from '../core/errors.js';
import type { Logger } from '../shared/logger.js';

const E = os.constants.errno;

export const ERRNO: Readonly<Record<VfsCode, number>> = {
  ENOENT: -E.ENOENT,
  EEXIST: -E.EEXIST,
  ENOTDIR: -E.ENOTDIR,
  EISDIR: -E.EISDIR,
  ENOTEMPTY: -E.ENOTEMPTY,
  EACCES: -E.EACCES,
  EPERM: -E.EPERM,
  EROFS: -E.EROFS,
  ENOSPC: -E.ENOSPC,
  EINVAL: -E.EINVAL,
  ENAMETOOLONG: -E.ENAMETOOLONG,
  EAGAIN: -E.EAGAIN,
  EBUSY: -E.EBUSY,
  ETIMEDOUT: -E.ETIMEDOUT,
  EIO: -E.EIO,
  ENOSYS: -E.ENOSYS,
  EXDEV: -E.EXDEV,
  EBADF: -E.EBADF,
  // Node's os.constants lack EHOSTDOWN; 112 is Linux's (and fuse-native's Fuse.EHOSTDOWN).
  EHOSTDOWN: -((E as Record<string, number | undefined>).EHOSTDOWN ?? 112),
};

/** Errno answers the front-end gives on its own (not from the VFS). */
export const LOCAL_ERRNO = {
  EPERM: -E.EPERM,
  EBADF: -E.EBADF,
  EACCES: -E.EACCES,
  EROFS: -E.EROFS,
  ENOTSUP: -E.ENOTSUP,
  ENODATA: -E.ENODATA,
  ENOENT: -E.ENOENT,
} as const;

/** Translates anything a VFS call threw. Errors outside the vocabulary are logged once per kind and become EIO. */
export class ErrnoMapper {
  private readonly seen = new Set<string>();

  constructor(private readonly logger: Logger) {}

  errno(err: unknown, op: string, path: string): number {
    if (err instanceof VfsError) {
      const errno = ERRNO[err.code];
      if (errno !== undefined) {
        this.logger.debug({ op, path, code: err.code, error: err.message, ...(err.cause instanceof Error ? { cause: err.cause.stack } : {}) }, 'fuse op failed');
        return errno;
      }
    }
    const kind = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (!this.seen.has(kind)) {
      // Bounded: a flood of distinct messages must not grow memory.
      if (this.seen.size < 1000) this.seen.add(kind);
      this.logger.error({ err, op, path }, 'unexpected error in fuse op; answering EIO');
    }
    return ERRNO.EIO;
  }
}
