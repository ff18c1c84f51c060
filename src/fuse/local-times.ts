// Time changes the mount shows but does not store, because storing them would cost a request per
// operation: a folder's mtime and ctime when an entry in it is added, removed or renamed, a
// renamed node's ctime, and the ctime of an attribute change that stores nothing else new. They
// last as long as the mount; a remount shows the stored times again.
// Kept by path (a pending file's inode changes when its upload lands): a time only ever raises
// another to when the change happened, so a node made at a path later is not affected.
import { nowNs, type PosixAttrs } from '../vfs/posix-attrs.js';

const MAX_TRACKED = 100_000;

export class LocalTimes {
  private readonly changed = new Map<string, { at: bigint; content: boolean }>();

  /** The node at path changed now: its ctime, and with `content` (a folder's entries) its mtime too. */
  touch(path: string, content: boolean): void {
    if (this.changed.size >= MAX_TRACKED) this.changed.clear();
    const prev = this.changed.get(path);
    this.changed.set(path, { at: nowNs(), content: content || !!prev?.content });
  }

  /** A renamed node takes its changes along, and its ctime changes. */
  renamed(from: string, to: string): void {
    const prev = this.changed.get(from);
    this.changed.delete(from);
    this.changed.set(to, { at: nowNs(), content: !!prev?.content });
  }

  /** Stored times win again once set explicitly (utimens, chmod, chown). */
  forget(path: string): void {
    this.changed.delete(path);
  }

  /** apply() for the entry `name` of the folder `dir` (a listing's names): its path is made only while some time is kept. */
  applyInFolder<T extends Pick<PosixAttrs, 'mtime' | 'ctime'>>(dir: string, name: string, times: T): T {
    if (this.changed.size === 0) return times;
    return this.apply(dir === '/' ? `/${name}` : `${dir}/${name}`, times);
  }

  apply<T extends Pick<PosixAttrs, 'mtime' | 'ctime'>>(path: string, times: T): T {
    const c = this.changed.get(path);
    if (!c) return times;
    return {
      ...times,
      ctime: c.at > times.ctime ? c.at : times.ctime,
      ...(c.content && c.at > times.mtime ? { mtime: c.at } : {}),
    };
  }
}
