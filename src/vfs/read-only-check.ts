// A cached "you may only read this" is asked again before a change is refused on it: a permission
// given back after the folder was listed never reaches the change feed, and without this the folder
// would stay read-only here for as long as its listing is kept. Asked at most once per entry per
// RECHECK_MS, so a tool retrying in a loop costs one request, and not at all while PDS is unreachable.
// The other way round, a permission taken away after the folder was listed shows first as a refusal
// from PDS (ForbiddenNoPermission): the entry is then marked read-only in the cache, so the changes
// after it are refused here (EROFS) until the recheck finds it writable again.
import { LRUCache } from 'lru-cache';
import type { DirCache } from './dir-cache.js';
import type { VNode } from './resolver.js';
import type { Volume } from './volume.js';
import type { Reachability } from '../core/reachability.js';
import type { RemoteEntry } from '../core/remote.js';

const RECHECK_MS = 30_000;

export class ReadOnlyCheck {
  /** Entries whose answer from the server is fresh (bounded: the least recently asked is forgotten). */
  private readonly asked = new LRUCache<string, true>({ max: 10_000, ttl: RECHECK_MS });

  constructor(
    private readonly dirs: DirCache,
    private readonly reachability: Reachability,
  ) {}

  /**
   * PDS refused a change of these entries for permission. One entry (the folder a new entry was to go
   * in, the entry changed): it is read-only now. Several (a move: the entry, and the folder it was to
   * go to): the server's permission fields say which.
   */
  async refused(volume: Volume, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const cached = this.dirs.get(volume, id);
      if (!cached || cached.readOnly) continue;
      let now: RemoteEntry = { ...cached, readOnly: true };
      if (ids.length > 1) {
        try {
          now = await volume.remote.get(id);
        } catch {
          continue;
        }
      }
      this.dirs.put(volume, now);
      if (now.readOnly) this.asked.set(`${volume.id}|${id}`, true);
    }
  }

  /** Whether the server still lets this user only read the node (its entry says so); updates the cache if not. */
  async stillReadOnly(node: VNode): Promise<boolean> {
    const { volume, entry } = node;
    if (!volume || !entry?.readOnly) return false;
    const key = `${volume.id}|${entry.id}`;
    if (!this.reachability.online || this.asked.has(key)) return true;
    this.asked.set(key, true);
    try {
      const fresh = await volume.remote.get(entry.id);
      this.dirs.put(volume, fresh);
      node.entry = fresh;
      return !!fresh.readOnly;
    } catch {
      // Gone or unreachable: the change fails as read-only; the next listing says what is there.
      return true;
    }
  }
}
