// A cached "you may only read this" is asked again before a change is refused on it: a permission
// given back after the folder was listed never reaches the change feed, and without this the folder
// would stay read-only here for as long as its listing is kept. Asked at most once per entry per
// RECHECK_MS, so a tool retrying in a loop costs one request, and not at all while PDS is unreachable.
// The other way round, a permission taken away after the folder was listed shows first as a refusal
// from PDS (ForbiddenNoPermission): the entry is then marked read-only in the cache, so the changes
// after it are refused here (EROFS) until the recheck finds it writable again.
// A whole drive the user may only read (a team drive granted read-only on its root) is known the
// same way, from the first refusal of a change in its root: PDS documents no permission field on
// drives and no file object of a root to read one from (docs/pds-wire-protocol.md, Permissions).
// With nothing to ask again, that mark lasts RECHECK_MS; then the next change goes to PDS and tells.
import { LRUCache } from 'lru-cache';
import type { DirCache } from './dir-cache.js';
import type { VNode } from './resolver.js';
import type { Volume } from './volume.js';
import type { Reachability } from '../core/reachability.js';
import type { RemoteEntry } from '../core/remote.js';

export const RECHECK_MS = 30_000;

export class ReadOnlyCheck {
  /** Entries whose answer from the server is fresh (bounded: the least recently asked is forgotten). */
  private readonly asked = new LRUCache<string, true>({ max: 10_000, ttl: RECHECK_MS });
  /** Drive roots PDS refused a change in: volume id → when (one per drive at most). */
  private readonly roots = new Map<string, number>();

  constructor(
    private readonly dirs: DirCache,
    private readonly reachability: Reachability,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * PDS refused a change of these entries for permission. One entry (the folder a new entry was to go
   * in, the entry changed): it is read-only now. Several (a move: the entry, and the folder it was to
   * go to): the server's permission fields say which; a drive root among them, which has none, is
   * the one when no other is read-only.
   */
  async refused(volume: Volume, ids: readonly string[]): Promise<void> {
    const rootId = volume.remote.rootId;
    let explained = false;
    for (const id of ids) {
      if (id === rootId) continue;
      const cached = this.dirs.get(volume, id);
      if (!cached || cached.readOnly) {
        explained = true;
        continue;
      }
      let now: RemoteEntry = { ...cached, readOnly: true };
      if (ids.length > 1) {
        try {
          now = await volume.remote.get(id);
        } catch {
          explained = true;
          continue;
        }
      }
      this.dirs.put(volume, now);
      if (now.readOnly) {
        explained = true;
        this.asked.set(`${volume.id}|${id}`, true);
      }
    }
    if (ids.includes(rootId) && !explained) this.roots.set(volume.id, this.now());
  }

  /** Whether the node is a drive root PDS refused a change in lately (or while it cannot be asked). */
  rootReadOnly(node: VNode): boolean {
    const { volume } = node;
    if (!volume || node.entry || node.id !== volume.remote.rootId) return false;
    const at = this.roots.get(volume.id);
    if (at === undefined) return false;
    if (!this.reachability.online || this.now() - at < RECHECK_MS) return true;
    this.roots.delete(volume.id);
    return false;
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
