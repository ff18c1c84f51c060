// Directory listings as the VFS sees them: from the SQLite metadata cache while fresh, else one
// remote listing (shared by concurrent callers) that replaces the cached one in a transaction.
// Fresh means: fetched and not invalidated by the change feed, or younger than the TTL when the
// volume has no change feed.
import type { CachedEntry, MetadataStore } from '../cache/metadata/nodes.js';
import { SingleFlight } from './keyed-lock.js';
import type { RemoteEntry } from '../core/remote.js';
import type { Volume } from './volume.js';

export interface DirCacheOptions {
  /** Listing lifetime for volumes without a change feed. */
  dirCacheTtlMs: number;
  now?: () => number;
}

/**
 * Listing read-ahead: when a folder is read, the listings of up to PREFETCH_PER_FOLDER of its
 * subfolders not cached yet are fetched, PREFETCH_AT_ONCE at a time, so ls -R, find, du and rsync
 * over a cold tree wait for about one server round trip per level instead of one per folder. One
 * level only: reading a folder never starts a crawl of the whole drive.
 */
const PREFETCH_PER_FOLDER = 64;
const PREFETCH_AT_ONCE = 4;

export class DirCache {
  private readonly fetchedAt = new Map<string, number>();
  private readonly flights = new SingleFlight<void>();
  private readonly prefetchQueue: { volume: Volume; dirId: string }[] = [];
  private prefetching = 0;
  private readonly now: () => number;
  /** Remote list calls made (for status and tests). */
  listCalls = 0;
  /**
   * Bumped by every change that can move, add or remove a folder (a folder's entry, a removal, a
   * listing replaced or invalidated): what was resolved from the cache under an older generation may
   * be stale (resolver.ts keeps resolved folders until it changes).
   */
  generation = 0;

  constructor(
    private readonly store: MetadataStore,
    private readonly opts: DirCacheOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  async children(volume: Volume, dirId: string): Promise<CachedEntry[]> {
    await this.ensureFresh(volume, dirId);
    return this.store.listing(volume.id, dirId)?.entries ?? [];
  }

  /** Starts fetching the listings of these subfolders of a folder just read, where not cached (see PREFETCH_PER_FOLDER). */
  readAhead(volume: Volume, subfolderIds: readonly string[]): void {
    for (const dirId of subfolderIds.slice(0, PREFETCH_PER_FOLDER)) {
      if (!this.isFresh(volume, dirId)) this.prefetchQueue.push({ volume, dirId });
    }
    this.pumpPrefetch();
  }

  private pumpPrefetch(): void {
    while (this.prefetching < PREFETCH_AT_ONCE && this.prefetchQueue.length > 0) {
      const { volume, dirId } = this.prefetchQueue.shift()!;
      this.prefetching++;
      // A failure is not reported here: the read of that folder, if it comes, fetches and reports.
      void this.ensureFresh(volume, dirId)
        .catch(() => undefined)
        .finally(() => {
          this.prefetching--;
          this.pumpPrefetch();
        });
    }
  }

  /** Children whose name matches (NFC) `name`. */
  async lookup(volume: Volume, dirId: string, name: string): Promise<CachedEntry[]> {
    await this.ensureFresh(volume, dirId);
    return this.store.lookup(volume.id, dirId, name);
  }

  get(volume: Volume, id: string): CachedEntry | undefined {
    return this.store.get(volume.id, id);
  }

  /** Own writes: visible at once, no refetch. */
  put(volume: Volume, entry: RemoteEntry): void {
    this.store.upsert(volume.id, entry);
    if (entry.kind === 'dir') this.generation++;
  }

  remove(volume: Volume, id: string): void {
    this.store.remove(volume.id, id);
    this.generation++;
  }

  /** A directory we just created is known to be empty. */
  markEmpty(volume: Volume, dirId: string): void {
    const at = this.now();
    this.store.replaceListing(volume.id, dirId, [], at);
    this.fetchedAt.set(key(volume.id, dirId), at);
    this.generation++;
  }

  invalidate(volumeId: string, dirId: string): void {
    this.store.invalidateListing(volumeId, dirId);
    this.fetchedAt.set(key(volumeId, dirId), 0);
    this.generation++;
  }

  invalidateVolume(volumeId: string): void {
    this.store.invalidateVolume(volumeId);
    this.generation++;
    for (const k of this.fetchedAt.keys()) if (k.startsWith(`${volumeId}\u0000`)) this.fetchedAt.set(k, 0);
  }

  private isFresh(volume: Volume, dirId: string): boolean {
    const k = key(volume.id, dirId);
    let at = this.fetchedAt.get(k);
    if (at === undefined) {
      const listing = this.store.listing(volume.id, dirId);
      at = listing?.complete ? listing.fetchedAt : 0;
      this.fetchedAt.set(k, at);
    }
    if (at <= 0) return false;
    if (volume.remote.capabilities.changeFeed) return true;
    return this.now() - at < this.opts.dirCacheTtlMs;
  }

  private async ensureFresh(volume: Volume, dirId: string): Promise<void> {
    if (this.isFresh(volume, dirId)) return;
    await this.flights.run(key(volume.id, dirId), async () => {
      const started = this.now();
      const entries: RemoteEntry[] = [];
      this.listCalls++;
      for await (const e of volume.remote.list(dirId)) entries.push(e);
      this.store.replaceListing(volume.id, dirId, entries, started);
      this.fetchedAt.set(key(volume.id, dirId), started);
      this.generation++;
    });
  }
}

function key(volumeId: string, dirId: string): string {
  return `${volumeId}\u0000${dirId}`;
}
