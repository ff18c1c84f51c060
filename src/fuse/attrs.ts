// NodeInfo and SpaceInfo in the shapes fuse-native hands to the kernel, plus open(2) flag decoding.
import { constants as fsc } from 'node:fs';
import type { FuseStat, FuseStatfs } from 'fuse-native';
import { nsFromMs, type PosixAttrs } from '../vfs/posix-attrs.js';
import type { NodeInfo, OpenFlags, SpaceInfo } from '../vfs/types.js';

export interface Ownership {
  uid: number;
  gid: number;
  /** Applied to 0777 for directories and 0666 for files (022 gives 0755 and 0644). */
  umask: number;
}

/** Preferred I/O size: the kernel sends reads and writes of up to 128 KiB. */
const IO_SIZE = 128 * 1024;

/**
 * A node's POSIX attributes: those stored with it when `stored` is on and it has them, else the
 * mount's defaults (--uid, --gid, --umask; atime and ctime follow mtime, as in rclone). The type
 * bits always agree with the node's kind (a folder is a directory whatever its user_meta says).
 */
export function attrsOf(node: NodeInfo, own: Ownership, stored: boolean): PosixAttrs {
  const dir = node.kind === 'dir';
  const kept = stored ? node.attrs : undefined;
  let attrs: PosixAttrs;
  if (kept) {
    const type = kept.mode & fsc.S_IFMT;
    const fits = dir ? type === fsc.S_IFDIR : type !== fsc.S_IFDIR && type !== 0;
    attrs = fits ? kept : { ...kept, mode: (dir ? fsc.S_IFDIR : fsc.S_IFREG) | (kept.mode & 0o7777) };
  } else {
    const time = nsFromMs(node.mtime);
    const perm = (dir ? 0o777 : 0o666) & ~own.umask;
    attrs = { mode: (dir ? fsc.S_IFDIR : fsc.S_IFREG) | perm, uid: own.uid, gid: own.gid, rdev: 0, atime: time, mtime: time, ctime: time };
  }
  return node.readOnly ? { ...attrs, mode: attrs.mode & ~0o222 } : attrs;
}

export function toStat(node: NodeInfo, own: Ownership, stored = false): FuseStat {
  const a = attrsOf(node, own, stored);
  const dir = node.kind === 'dir';
  return {
    mode: a.mode,
    uid: a.uid,
    gid: a.gid,
    rdev: a.rdev,
    size: dir ? 0 : node.size,
    nlink: dir ? 2 : 1,
    ino: node.ino,
    blksize: IO_SIZE,
    blocks: Math.ceil(node.size / 512),
    atime: a.atime,
    mtime: a.mtime,
    ctime: a.ctime,
  };
}

/** Linux's NAME_MAX, which statfs reports: the longest name the mount creates (PDS itself allows 1024 bytes). */
export const NAME_MAX = 255;

/** What df shows when the drive has no quota. */
export const UNLIMITED_BYTES = 2 ** 50;
const MAX_U32 = 0xffffffff;

/** fuse-native carries statfs fields as uint32, so the block size grows until the totals fit. */
export function toStatfs(space: SpaceInfo): FuseStatfs {
  const total = Number.isFinite(space.total) ? space.total : Math.max(UNLIMITED_BYTES, space.used * 2);
  const free = Number.isFinite(space.free) ? space.free : total - space.used;
  let bsize = 4096;
  while (total / bsize > MAX_U32) bsize *= 2;
  // Never report zero free space while some bytes are left: tools refuse to write to a full disk.
  const freeBlocks = free > 0 ? Math.max(1, Math.floor(free / bsize)) : 0;
  return {
    bsize,
    frsize: bsize,
    blocks: Math.max(Math.ceil(total / bsize), freeBlocks),
    bfree: freeBlocks,
    bavail: freeBlocks,
    files: 1e9,
    ffree: 1e9,
    favail: 1e9,
    fsid: 0,
    flag: 0,
    namemax: NAME_MAX,
  };
}

/** O_ACCMODE (Node does not export it). */
const ACCESS_MODE = 3;

export function decodeOpenFlags(flags: number): OpenFlags {
  const access = flags & ACCESS_MODE;
  return {
    read: access === fsc.O_RDONLY || access === fsc.O_RDWR,
    write: access === fsc.O_WRONLY || access === fsc.O_RDWR,
    truncate: (flags & fsc.O_TRUNC) !== 0,
    append: (flags & fsc.O_APPEND) !== 0,
  };
}
