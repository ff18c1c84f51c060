// The names the mount is asked to create, checked before anything is made.
import path from 'node:path';
import { VfsError } from '../core/errors.js';
import { NAME_MAX } from './attrs.js';

/**
 * Checks a name the mount is asked to create: at most the NAME_MAX that statfs reports, so what the
 * mount creates can be copied anywhere, and valid UTF-8. fuse-native decodes paths with U+FFFD for
 * bytes that are not UTF-8, so "a\xffb" and "a\xfeb" would both become the one file "a\ufffdb".
 */
export function checkNewName(p: string): void {
  const name = path.posix.basename(p);
  if (Buffer.byteLength(name) > NAME_MAX) throw new VfsError('ENAMETOOLONG', `name is longer than ${NAME_MAX} bytes`, p);
  if (name.includes('\ufffd')) throw new VfsError('EINVAL', 'name is not valid UTF-8', p);
}
