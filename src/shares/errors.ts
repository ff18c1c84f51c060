// What the share commands say when something fails: the problem in words (wrong password, expired,
// not found, a path that is not there), never a stack or a token.
import { PdsError } from '../pds/errors.js';
import { shareRefusal } from '../pds/share-remote.js';
import { VfsError, type VfsCode } from '../core/errors.js';

/** A failure whose message is already meant for the user. */
export class ShareCommandError extends Error {
  override readonly name = 'ShareCommandError';
}

const PATH_PROBLEMS: Partial<Record<VfsCode, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'already exists',
  EACCES: 'permission denied',
  EAGAIN: 'the service is busy, try again',
  ETIMEDOUT: 'the service did not answer in time',
  ENOSPC: 'the drive is full',
};

/** The user-facing reason of any error thrown by the share commands. */
export function explain(err: unknown): string {
  if (err instanceof ShareCommandError) return err.message;
  const refusal = shareRefusal(err);
  if (refusal) return refusal;
  if (err instanceof VfsError) {
    const what = PATH_PROBLEMS[err.code] ?? err.message;
    return err.path ? `${err.path}: ${what}` : what === err.message ? what : `${what} (${err.message})`;
  }
  if (err instanceof PdsError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
