// A cached "you may only read this" is asked again before a change is refused on it: a permission
// given back after the folder was listed never reaches the change feed, and without this the folder
// would stay read-only here for as long as its listing is kept. Asked at most once per entry per
// RECHECK_MS, so a tool retrying in a loop costs one request, and not at all while PDS is unreachable.
import type { DirCache } from './dir-cache.js';
import type { VNode } from './resolver.js';
import type { Reachability } from '../core/reachability.js';

const RECHECK_MS = 30_000;
/** Entries remembered at most (a bound on memory; the oldest is forgotten). */
const MAX_KEPT = 10_000;

export class ReadOnlyCheck {
  private readonly askedAt = new Map<string, number>();

  constructor(
    private readonly dirs: DirCache,
    private readonly reachability: Reachability,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the server still lets this user only read the node (its entry says so); updates the cache if not. */
  async stillReadOnly(node: VNode): Promise<boolean> {
    const { volume, entry } = node;
    if (!volume || !entry?.readOnly) return false;
    const key = `${volume.id}|${entry.id}`;
    const last = this.askedAt.get(key);
    if (!this.reachability.online || (last !== undefined && this.now() - last < RECHECK_MS)) return true;
    this.askedAt.delete(key);
    this.askedAt.set(key, this.now());
    if (this.askedAt.size > MAX_KEPT) this.askedAt.delete(this.askedAt.keys().next().value!);
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
