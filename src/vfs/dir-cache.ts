// Directory listings as the VFS sees them: from the SQLite metadata cache while fresh, else one
// remote listing (shared by concurrent callers) that replaces the cached one in a transaction.
// Fresh means: fetched and not invalidated by the change feed, or younger than the TTL when the
// volume has no change feed. While PDS is unreachable, a cached listing is used however old it is;
// a folder never listed fails at once (EHOSTDOWN). Folders made offline have only their local listing.
import type { CachedEntry, MetadataStore } from '../cache/metadata/nodes.js';
import { isLocalId } from '../cache/metadata/ops.js';
import { toVfsError, VfsError } from '../core/errors.js';
import { SingleFlight } from './keyed-lock.js';
import type { RemoteEntry } from '../core/remote.js';
import type { Volume } from './volume.js';

export interface DirCacheOptions {
  /** Listing lifetime for volumes without a change feed. */
  dirCacheTtlMs: number;
  /** Called after a listing from PDS replaced the cached one (changes not replayed yet go back on top). */
  afterFetch?: (volumeId: string, dirId: string, ids: ReadonlySet<string>) => void;
  now?: () => number;
}

export class DirCache {
  private readonly fetchedAt = new Map<string, number>();
  private readonly flights = new SingleFlight<void>();
  private readonly now: () => number;
  /** Remote list calls made (for status and tests). */
  listCalls = 0;

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
  }

  remove(volume: Volume, id: string): void {
    this.store.remove(volume.id, id);
  }

  /** A directory we just created is known to be empty. */
  markEmpty(volume: Volume, dirId: string): void {
    const at = this.now();
    this.store.replaceListing(volume.id, dirId, [], at);
    this.fetchedAt.set(key(volume.id, dirId), at);
  }

  /** A folder made offline got its PDS id (the cache rows moved in MetadataStore.rekey). */
  forget(volumeId: string, ...dirIds: string[]): void {
    for (const id of dirIds) this.fetchedAt.delete(key(volumeId, id));
  }

  invalidate(volumeId: string, dirId: string): void {
    this.store.invalidateListing(volumeId, dirId);
    this.fetchedAt.set(key(volumeId, dirId), 0);
  }

  invalidateVolume(volumeId: string): void {
    this.store.invalidateVolume(volumeId);
    for (const k of this.fetchedAt.keys()) if (k.startsWith(`${volumeId}\u0000`)) this.fetchedAt.set(k, 0);
  }

  private isFresh(volume: Volume, dirId: string): boolean {
    if (isLocalId(dirId)) return true;
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
      try {
        for await (const e of volume.remote.list(dirId)) entries.push(e);
      } catch (err) {
        // Offline: what we have, however old, rather than nothing.
        if (VfsError.is(toVfsError(err), 'EHOSTDOWN') && this.store.listing(volume.id, dirId)) return;
        throw err;
      }
      this.store.replaceListing(volume.id, dirId, entries, started);
      this.fetchedAt.set(key(volume.id, dirId), started);
      this.opts.afterFetch?.(volume.id, dirId, new Set(entries.map((e) => e.id)));
    });
  }
}

function key(volumeId: string, dirId: string): string {
  return `${volumeId}\u0000${dirId}`;
}
