// fd → open VFS file handle, with a by-path index so path-based ops (truncate, getattr of unlinked
// files) find open handles. Unlinking an open file: libfuse (without hard_remove, which fuse-native cannot use)
// renames it to ".fuse_hidden<16 hex>" and unlinks that name after the last release. The ops remove the
// file from the VFS at once instead; the table then keeps serving the handles under the hidden name.
import type { FileHandle, OpenFlags } from '../vfs/types.js';

export interface OpenEntry {
  readonly fd: number;
  readonly handle: FileHandle;
  readonly flags: OpenFlags;
  /** Current path in the mount; libfuse's hidden name once unlinked. */
  path: string;
  unlinked: boolean;
}

const HIDDEN_NAME = /^\.fuse_hidden[0-9a-f]{16}$/;
/**
 * Set in the fd of every handle that cannot write: its flush has nothing to commit, so the binding
 * answers it without JS (native-binding.ts). The rest of the fd counts; fh travels as a signed
 * 32-bit number and 0 means "no handle" to fuse-native.
 */
export const READ_ONLY_FD_BIT = 0x4000_0000;
/**
 * Set (with READ_ONLY_FD_BIT) in the fd of a read-only open the fixed binding answered itself: JS
 * opens its VFS handle at the first op that uses it and enters it here under that fd (adopt). The
 * fds JS hands out stay below it.
 */
export const LAZY_FD_BIT = 0x2000_0000;
const MAX_FD_COUNT = LAZY_FD_BIT - 1;

/** An fd the binding handed out for a read-only open, with no VFS handle until JS adopts it. */
export function isLazyFd(fd: number): boolean {
  return (fd & LAZY_FD_BIT) !== 0;
}

export function isHiddenName(name: string): boolean {
  return HIDDEN_NAME.test(name);
}

export class HandleTable {
  private readonly byFd = new Map<number, OpenEntry>();
  private readonly byPath = new Map<string, Set<OpenEntry>>();
  /** Hidden names already removed from the VFS, awaiting libfuse's unlink after the last release. */
  private readonly hidden = new Set<string>();
  private nextFd = 1;

  get size(): number {
    return this.byFd.size;
  }

  /** Open entries that can write. */
  get writers(): number {
    let n = 0;
    for (const entry of this.byFd.values()) if (entry.flags.write) n++;
    return n;
  }

  add(handle: FileHandle, flags: OpenFlags, path: string): OpenEntry {
    const mark = flags.write ? 0 : READ_ONLY_FD_BIT;
    while (this.byFd.has(this.nextFd | mark)) this.nextFd = this.nextFd >= MAX_FD_COUNT ? 1 : this.nextFd + 1;
    const fd = this.nextFd | mark;
    this.nextFd = this.nextFd >= MAX_FD_COUNT ? 1 : this.nextFd + 1;
    return this.adopt(fd, handle, flags, path);
  }

  /** Enters a VFS handle under an fd given (add's, or a lazy fd of the binding that JS opened). */
  adopt(fd: number, handle: FileHandle, flags: OpenFlags, path: string): OpenEntry {
    const entry: OpenEntry = { fd, handle, flags, path, unlinked: false };
    this.byFd.set(fd, entry);
    this.index(entry);
    return entry;
  }

  get(fd: number): OpenEntry | undefined {
    return this.byFd.get(fd);
  }

  remove(fd: number): OpenEntry | undefined {
    const entry = this.byFd.get(fd);
    if (!entry) return undefined;
    this.byFd.delete(fd);
    this.unindex(entry);
    return entry;
  }

  /** Removes and returns every open entry (the kernel will send no release for them any more). */
  takeAll(): OpenEntry[] {
    const all = [...this.byFd.values()];
    this.byFd.clear();
    this.byPath.clear();
    return all;
  }

  /** Open entries at this path. */
  at(path: string): OpenEntry[] {
    const set = this.byPath.get(path);
    return set ? [...set] : [];
  }

  /** After a rename in the VFS: entries at `from` or below it move to `to`. */
  renamed(from: string, to: string): void {
    const prefix = from === '/' ? '/' : `${from}/`;
    for (const [path, set] of [...this.byPath]) {
      if (path !== from && !path.startsWith(prefix)) continue;
      const moved = to + path.slice(from.length);
      for (const entry of set) {
        this.unindex(entry);
        entry.path = moved;
        this.index(entry);
      }
    }
  }

  /** The file at `path` left the VFS while open; its handles now live under libfuse's hidden name. */
  hide(path: string, hiddenPath: string): void {
    for (const entry of this.at(path)) {
      this.unindex(entry);
      entry.path = hiddenPath;
      entry.unlinked = true;
      this.index(entry);
    }
    this.hidden.add(hiddenPath);
  }

  /** True once for a hidden name: libfuse's final unlink of it, which has nothing left to do. */
  takeHidden(path: string): boolean {
    return this.hidden.delete(path);
  }

  private index(entry: OpenEntry): void {
    let set = this.byPath.get(entry.path);
    if (!set) this.byPath.set(entry.path, (set = new Set()));
    set.add(entry);
  }

  private unindex(entry: OpenEntry): void {
    const set = this.byPath.get(entry.path);
    if (!set) return;
    set.delete(entry);
    if (set.size === 0) this.byPath.delete(entry.path);
  }
}
