// The part of fuse-native 2.2.6 (untyped CommonJS) that pdsfs uses. Callbacks take a negative errno
// (0 = success); read and write answer with a byte count instead.
declare module 'fuse-native' {
  type Cb = (code: number) => void;
  type ValueCb<T> = (code: number, value?: T) => void;

  /** What getattr answers; pdsfs's own glue (fuse-class.ts) encodes it, with times in ns since the epoch. */
  export interface FuseStat {
    mode: number; uid: number; gid: number; size: number; nlink: number; ino: number; rdev: number;
    blksize: number; blocks: number; atime: bigint; mtime: bigint; ctime: bigint;
  }

  /** A time to set: ns since the epoch, or UTIME_NOW / UTIME_OMIT (decoded by fuse-class.ts). */
  export type FuseTime = bigint | 'now' | 'omit';

  export interface FuseStatfs {
    bsize: number; frsize: number; blocks: number; bfree: number; bavail: number;
    files: number; ffree: number; favail: number; fsid: number; flag: number; namemax: number;
  }

  export interface FuseOps {
    getattr(path: string, cb: ValueCb<FuseStat>): void;
    /**
     * pdsfs's own shape (fuse-class.ts calls it): the names from the kernel's offset on (0: the start),
     * each with the offset to resume after it and the attributes getattr answers for it; no names at the end.
     */
    readdir(path: string, offset: number, cb: ValueCb<{ names: string[]; offsets: number[]; stats: FuseStat[]; end?: boolean }>): void;
    access(path: string, mode: number, cb: Cb): void;
    statfs(path: string, cb: ValueCb<FuseStatfs>): void;
    open(path: string, flags: number, cb: ValueCb<number>): void;
    create(path: string, mode: number, cb: ValueCb<number>): void;
    read(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytes: number) => void): void;
    write(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytes: number) => void): void;
    truncate(path: string, size: number, cb: Cb): void;
    ftruncate(path: string, fd: number, size: number, cb: Cb): void;
    flush(path: string, fd: number, cb: Cb): void;
    /** fuse-native passes datasync before fd (its README has them the other way round). */
    fsync(path: string, datasync: number, fd: number, cb: Cb): void;
    release(path: string, fd: number, cb: Cb): void;
    unlink(path: string, cb: Cb): void;
    rename(src: string, dest: string, cb: Cb): void;
    mkdir(path: string, mode: number, cb: Cb): void;
    rmdir(path: string, cb: Cb): void;
    utimens(path: string, atime: FuseTime, mtime: FuseTime, cb: Cb): void;
    readlink(path: string, cb: ValueCb<string>): void;
    chmod(path: string, mode: number, cb: Cb): void;
    chown(path: string, uid: number, gid: number, cb: Cb): void;
    symlink(target: string, path: string, cb: Cb): void;
    link(src: string, dest: string, cb: Cb): void;
    mknod(path: string, mode: number, dev: number, cb: Cb): void;
    /** Answer null for "no such attribute" (ENODATA). */
    getxattr(path: string, name: string, position: number, cb: (code: number, value?: Buffer | null) => void): void;
    listxattr(path: string, cb: ValueCb<string[]>): void;
    setxattr(path: string, name: string, value: Buffer, position: number, flags: number, cb: Cb): void;
    removexattr(path: string, name: string, cb: Cb): void;
  }

  export interface FuseOptions {
    force?: boolean;
    mkdir?: boolean;
    allowOther?: boolean;
    debug?: boolean;
    fsname?: string;
    subtype?: string;
    autoCache?: boolean;
    /** The kernel checks permissions from the modes and owners getattr reports. */
    defaultPermissions?: boolean;
    /** ms per op name, or false for none; `default` covers the rest. */
    timeout?: number | false | Record<string, number | false>;
  }

  export default class Fuse {
    constructor(mnt: string, ops: Partial<FuseOps>, opts?: FuseOptions);
    readonly mnt: string;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    /** The "-o a,b" argument handed to libfuse. */
    protected _fuseOptions(): string;
    protected readonly ops: Partial<FuseOps>;
    /** One dispatcher per opcode, called by the binding with its per-thread handle first. */
    protected _makeHandlerArray(): ((nativeHandler: unknown, opCode: number, ...args: unknown[]) => unknown)[];
    static unmount(mnt: string, cb: (err: Error | null) => void): void;
  }
}
