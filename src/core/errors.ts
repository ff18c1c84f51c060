// The one error vocabulary of every layer (core/ sits below them all). Front-ends translate VfsCode
// in exactly one table each (fuse/errno-map.ts, webdav/error-map.ts); the PDS layer produces these
// from PDS error codes.

export const VFS_CODES = [
  'ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC',
  'EINVAL', 'ENAMETOOLONG', 'EAGAIN', 'EBUSY', 'ETIMEDOUT', 'EIO', 'ENOSYS', 'EXDEV', 'EBADF',
  // PDS cannot be reached (reachability.ts): the answer comes at once, not after the retries.
  'EHOSTDOWN',
] as const;

export type VfsCode = (typeof VFS_CODES)[number];

export class VfsError extends Error {
  override readonly name = 'VfsError';
  constructor(
    readonly code: VfsCode,
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static is(err: unknown, code?: VfsCode): err is VfsError {
    return err instanceof VfsError && (code === undefined || err.code === code);
  }
}

/**
 * An error of a layer below the VFS that knows what it means to a filesystem (PdsError does), so
 * toVfsError needs no knowledge of that layer.
 */
export abstract class TranslatableError extends Error {
  /** The VfsError this error stands for; it keeps this one as its cause. */
  abstract toVfsError(path?: string): VfsError;
  /** The server refused because the user may not change that entry (not a login problem). */
  abstract readonly refusesPermission: boolean;
}

/** Whether an error is the server saying the user may only read the entry changed (see TranslatableError). */
export function refusesPermission(err: VfsError): boolean {
  return err.code === 'EACCES' && err.cause instanceof TranslatableError && err.cause.refusesPermission;
}

// Local errors that mean the cache disk is full (SQLite says so in its own words).
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && DISK_FULL.has(code);
}

/**
 * The one conversion of anything thrown below the front-ends into a VfsError: VfsErrors pass,
 * translatable errors (PDS) say what they mean, a full cache disk (a Node write or SQLite) is
 * ENOSPC, anything else EIO. The original stays as `cause`.
 */
export function toVfsError(err: unknown, path?: string): VfsError {
  if (err instanceof VfsError) return err;
  if (err instanceof TranslatableError) return err.toVfsError(path);
  const message = err instanceof Error ? err.message : String(err);
  if (isDiskFull(err)) return new VfsError('ENOSPC', `the cache disk is full: ${message}`, path, { cause: err });
  return new VfsError('EIO', message, path, { cause: err });
}
