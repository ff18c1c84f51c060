// How POSIX attributes change per operation. The kernel has already checked permissions
// (default_permissions); these compute what to store: owners of new nodes, setgid inheritance,
// chmod/chown/utimens results and their ctime.
import { constants as fsc } from 'node:fs';
import type { FuseTime } from 'fuse-native';
import { nowNs, type PosixAttrs } from '../vfs/posix-attrs.js';
import type { Caller } from './fuse-class.js';

// Not in Node's fs.constants.
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;

/** chown's "leave this id alone" ((uid_t) -1 as libfuse hands it over). */
const UNCHANGED_ID = 0xffffffff;

/**
 * Attributes of a node being created by `caller` in a folder with attributes `parent`: the caller
 * owns it; in a setgid folder the group is the folder's, and a new folder is setgid too.
 */
export function newNodeAttrs(mode: number, caller: Caller, parent: PosixAttrs, rdev = 0): PosixAttrs {
  const now = nowNs();
  const inherit = (parent.mode & S_ISGID) !== 0;
  const isDir = (mode & fsc.S_IFMT) === fsc.S_IFDIR;
  return {
    mode: inherit && isDir ? mode | S_ISGID : mode,
    uid: caller.uid,
    gid: inherit ? parent.gid : caller.gid,
    rdev,
    atime: now,
    mtime: now,
    ctime: now,
  };
}

export function chmodAttrs(cur: PosixAttrs, mode: number): PosixAttrs {
  return { ...cur, mode: (cur.mode & fsc.S_IFMT) | (mode & 0o7777), ctime: nowNs() };
}

/** A change of owner clears setuid, and setgid on group-executable files (as Linux does); folders keep theirs. */
export function chownAttrs(cur: PosixAttrs, uid: number, gid: number): PosixAttrs {
  const next = { ...cur, ctime: nowNs() };
  if (uid !== UNCHANGED_ID) next.uid = uid;
  if (gid !== UNCHANGED_ID) next.gid = gid;
  const changing = uid !== UNCHANGED_ID || gid !== UNCHANGED_ID;
  if (changing && (cur.mode & fsc.S_IFMT) !== fsc.S_IFDIR) {
    next.mode &= ~S_ISUID;
    if (cur.mode & fsc.S_IXGRP) next.mode &= ~S_ISGID;
  }
  return next;
}

export function utimensAttrs(cur: PosixAttrs, atime: FuseTime, mtime: FuseTime): PosixAttrs {
  const now = nowNs();
  const pick = (t: FuseTime, old: bigint) => (t === 'omit' ? old : t === 'now' ? now : t);
  return { ...cur, atime: pick(atime, cur.atime), mtime: pick(mtime, cur.mtime), ctime: now };
}

/**
 * Whether `next` differs from the stored attributes in its ctime alone: rsync sets a folder's times
 * back once it wrote into it (the mount showed the folder's mtime moved), which stores nothing new.
 */
export function onlyCtimeChanged(stored: PosixAttrs, next: PosixAttrs): boolean {
  return next.mode === stored.mode && next.uid === stored.uid && next.gid === stored.gid && next.rdev === stored.rdev && next.atime === stored.atime && next.mtime === stored.mtime;
}
