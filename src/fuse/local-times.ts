// Time changes the mount shows but does not store, because storing them would cost a request per
// operation: a folder's mtime and ctime when an entry in it is added, removed or renamed, and a
// renamed node's ctime. They last as long as the mount; a remount shows the stored times again.
import { nowNs, type PosixAttrs } from '../vfs/posix-attrs.js';

const MAX_TRACKED = 100_000;

export class LocalTimes {
  private readonly changed = new Map<number, { at: bigint; content: boolean }>();

  /** The node (by inode) changed now: its ctime, and with `content` (a folder's entries) its mtime too. */
  touch(ino: number, content: boolean): void {
    if (this.changed.size >= MAX_TRACKED) this.changed.clear();
    const prev = this.changed.get(ino);
    this.changed.set(ino, { at: nowNs(), content: content || !!prev?.content });
  }

  /** Stored times win again once set explicitly (utimens, chmod, chown). */
  forget(ino: number): void {
    this.changed.delete(ino);
  }

  apply<T extends Pick<PosixAttrs, 'mtime' | 'ctime'>>(ino: number, times: T): T {
    const c = this.changed.get(ino);
    if (!c) return times;
    return {
      ...times,
      ctime: c.at > times.ctime ? c.at : times.ctime,
      ...(c.content && c.at > times.mtime ? { mtime: c.at } : {}),
    };
  }
}
