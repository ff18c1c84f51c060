// Directory listings as the VFS sees them: from the SQLite metadata cache while fresh, else one
// remote listing (shared by concurrent callers) stored page by page as it arrives, one transaction
// per page. Fresh means: fetched and not invalidated by the change feed, or younger than the TTL
// when the volume has no change feed. Listings are read back in pages, so no folder is ever held
// whole, however large. A walker going down the tree gets child folders listed ahead
// (listing-prefetch.ts). While PDS is unreachable, a cached listing is used however old it is; a
// folder never listed fails at once (EHOSTDOWN). Folders made offline have only their local listing.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { CachedEntry, MetadataStore } from '../cache/metadata/nodes.js';
import { isLocalId } from '../cache/metadata/ops.js';
import { toVfsError, VfsError } from '../core/errors.js';
import { SingleFlight } from './keyed-lock.js';
import type { Remote, RemoteEntry } from '../core/remote.js';
import { LISTED_AT_ONCE, ListingPrefetch, MAX_PREFETCH_PER_LISTING, type PrefetchBatch } from './listing-prefetch.js';
import { OwnWrites } from './own-writes.js';
import type { Volume } from './volume.js';
import { nameKey } from '../shared/name-key.js';

/**
 * Told each time a remote listing starts. A daemon lets V8's old generation grow further while
 * listings stream in (cli/heap-growth.ts): a tree walk's answers outlive the small young generation
 * and would otherwise bring a full collection every few hundred milliseconds.
 */
export const LISTING_STARTED = diagnosticsChannel.channel('pdsfs:listing-started');

/** Rows per page, stored and read: the PDS list maximum, so one server page is one transaction. */
export const LISTING_PAGE = 100;

/**
 * Children kept of the folders a walker read last, in all (a few hundred bytes each: 16,384 are
 * about 8 MiB): a folder read again while the store is unchanged (ls -lR, find or du run twice; the
 * kernel asks for every folder's names each time) is answered from them, and so are the lookups of
 * its names (see lookup).
 */
const KEPT_ENTRIES = 16_384;
/** Children kept per folder at most: a larger folder keeps its first pages, for lookups only, and is read from SQLite again. */
const KEPT_PER_FOLDER = 1_000;

/** A folder's children as a walker read them, in its pages; valid while the store's writes stay `keptWrites`. */
interface ReadChildren {
  parentId: string | undefined;
  pageSize: number;
  pages: CachedEntry[][];
  entries: number;
  /** All of the listing is in pages (else its first pages only). */
  complete: boolean;
  /** By name key, made at the first lookup. */
  byName?: Map<string, CachedEntry[]>;
}

export interface DirCacheOptions {
  /** Listing lifetime for volumes without a change feed. */
  dirCacheTtlMs: number;
  /** Child folders listed at once ahead of a walker; default 8, 0 = none. */
  listPrefetch?: number;
  /** Called after a listing from PDS replaced the cached one (changes not replayed yet go back on top). */
  afterFetch?: (volumeId: string, dirId: string) => void;
  now?: () => number;
}

export class DirCache {
  private readonly fetchedAt = new Map<string, number>();
  private readonly flights = new SingleFlight<void>();
  private readonly now: () => number;
  private readonly prefetch: ListingPrefetch;
  /** Folders whose listing a walker (readdir, PROPFIND) read. */
  private readonly read = new Set<string>();
  /** Folders whose child folders were prefetched since their listing was fetched. */
  private readonly prefetched = new Set<string>();
  /** Remote list calls made (for status and tests). */
  listCalls = 0;
  /**
   * The children of the last folders a walker read, least recently read first. A walker stats what
   * it listed (ls -l, a VFS walk, a WebDAV client asking for each child): each name would be one
   * SQLite query, and a query outside a transaction costs 10–20 µs in WAL mode, mostly its read
   * transaction, several times what answering it from the page just read does. Reading a folder's
   * page again costs about 2 µs a row in SQLite (a string per column).
   */
  private readonly recent = new Map<string, ReadChildren>();
  private keptWrites = -1;
  private keptEntries = 0;
  /** The own writes (put, remove) the change feed must not undo. */
  readonly ownWrites = new OwnWrites();

  /** The metadata store's generation: resolver.ts keeps resolved folders while it stays the same. */
  get generation(): number {
    return this.store.generation;
  }

  /** The metadata store's count of rows written or removed: an entry read from here is current while it stays the same. */
  get writes(): number {
    return this.store.writes;
  }

  constructor(
    private readonly store: MetadataStore,
    private readonly opts: DirCacheOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.prefetch = new ListingPrefetch((volume, dirId) => this.ensureFresh(volume, dirId), opts.listPrefetch ?? LISTED_AT_ONCE);
  }

  /**
   * The children of dirId, `pageSize` at a time in name order (see MetadataStore.childPage), as a
   * walker reads them. A walker that goes down from a folder it read is walking the tree: the
   * folder's siblings and its own child folders are listed ahead. Reading one folder alone (an ls,
   * a file manager's view) lists nothing ahead.
   */
  async *pages(volume: Volume, dirId: string, pageSize = LISTING_PAGE): AsyncGenerator<CachedEntry[]> {
    const k = key(volume.id, dirId);
    const parentId = this.kept(k) ? this.recent.get(k)!.parentId : this.store.get(volume.id, dirId)?.parentId;
    const walking = parentId !== undefined && this.read.has(key(volume.id, parentId));
    // A walker's own listing sends the child folders of each page ahead as the page is stored, not
    // once the last page is in (a folder of n pages would hold them back n round trips).
    const own = this.ensureFresh(volume, dirId, walking ? this.childrenAhead(volume, dirId) : undefined);
    // The siblings go ahead together with this folder's own listing, not a round trip after it.
    if (walking) this.prefetchChildren(volume, parentId, dirId);
    await own;
    this.read.add(k);
    if (walking) this.prefetchChildren(volume, dirId);
    const kept = this.kept(k);
    if (kept?.complete && kept.pageSize === pageSize) {
      this.recent.delete(k);
      this.recent.set(k, kept);
      yield* kept.pages;
      return;
    }
    const read = this.keep(k, { parentId, pageSize, pages: [], entries: 0, complete: false });
    let whole = true;
    for (const page of this.store.childPages(volume.id, dirId, pageSize)) {
      // A page holds every child of the names it has (childPage never splits them), so a name found here is complete.
      if (whole && this.kept(k) === read && read.entries + page.length <= KEPT_PER_FOLDER) {
        read.pages.push(page);
        read.entries += page.length;
        read.byName = undefined;
        this.keptEntries += page.length;
        this.evictBeyond(k);
      } else {
        whole = false;
      }
      yield page;
    }
    if (whole && this.kept(k) === read) read.complete = true;
  }

  /** What is kept of the folder at k, while the store has not changed since it was read (else nothing is kept any more). */
  private kept(k: string): ReadChildren | undefined {
    if (this.keptWrites !== this.store.writes) {
      this.recent.clear();
      this.keptEntries = 0;
      this.keptWrites = this.store.writes;
    }
    return this.recent.get(k);
  }

  /** Starts keeping a folder's children as they are read, in place of what was kept of it. */
  private keep(k: string, read: ReadChildren): ReadChildren {
    const old = this.kept(k);
    if (old) {
      this.keptEntries -= old.entries;
      this.recent.delete(k);
    }
    this.recent.set(k, read);
    return read;
  }

  /** Drops the least recently read folders (other than k) while more than KEPT_ENTRIES children are kept. */
  private evictBeyond(k: string): void {
    for (const [other, read] of this.recent) {
      if (this.keptEntries <= KEPT_ENTRIES) return;
      if (other === k) continue;
      this.recent.delete(other);
      this.keptEntries -= read.entries;
    }
  }

  /** `except`: a child the walker lists itself. */
  private prefetchChildren(volume: Volume, dirId: string, except?: string): void {
    const k = key(volume.id, dirId);
    if (this.prefetched.has(k)) return;
    this.prefetched.add(k);
    // Only the first child folders' ids are read, however large the folder.
    const folders = this.store.childFolderIds(volume.id, dirId, MAX_PREFETCH_PER_LISTING);
    this.prefetch.add(volume, folders.filter((id) => id !== except && !this.isFresh(volume, id)));
  }

  /** What a walker's own listing of dirId does with each page it stores: its child folders go ahead (the first ones, as prefetchChildren). */
  private childrenAhead(volume: Volume, dirId: string): (page: readonly RemoteEntry[]) => void {
    let left = MAX_PREFETCH_PER_LISTING;
    let batch: PrefetchBatch | undefined;
    return (page) => {
      this.prefetched.add(key(volume.id, dirId));
      // In the order the walker reads them (by name, as childPages): the server's is its own (by creation, say).
      const folders = page
        .filter((e) => e.kind === 'dir' && !this.isFresh(volume, e.id))
        .map((e) => ({ id: e.id, name: nameKey(e.name) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, left)
        .map((f) => f.id);
      left -= folders.length;
      if (folders.length > 0) batch = this.prefetch.add(volume, folders, batch);
    };
  }

  /** Children whose name matches (NFC) `name`: from the children a walker just read while nothing changed since, else one query. */
  async lookup(volume: Volume, dirId: string, name: string): Promise<readonly CachedEntry[]> {
    await this.ensureFresh(volume, dirId);
    const read = this.kept(key(volume.id, dirId));
    const hit = read && byName(read).get(nameKey(name));
    return hit ?? this.store.lookup(volume.id, dirId, name);
  }

  /** Brings dirId's listing into the cache (no list call while it is fresh), without reading it: nothing goes ahead of it. */
  fetch(volume: Volume, dirId: string): Promise<void> {
    return this.ensureFresh(volume, dirId);
  }

  get(volume: Volume, id: string): CachedEntry | undefined {
    return this.store.get(volume.id, id);
  }

  /**
   * The entry at `names` (stored names from the volume's root), in one round trip where the remote
   * resolves paths; undefined when the server has nothing there. It is stored as own writes are:
   * the change feed keeps it current, and the first listing of its folder confirms or drops it.
   */
  async entryAt(volume: Volume, names: readonly string[]): Promise<RemoteEntry | undefined> {
    const entry = await volume.remote.getByPath!(names);
    if (entry) this.store.upsert(volume.id, entry);
    return entry;
  }

  /** Own writes: visible at once, no refetch; noted, so that an older feed page does not undo them. */
  put(volume: Volume, entry: RemoteEntry): void {
    this.ownWrites.wrote(volume.id, entry.id);
    this.store.upsert(volume.id, entry);
  }

  remove(volume: Volume, id: string): void {
    this.ownWrites.wrote(volume.id, id);
    this.store.remove(volume.id, id);
  }

  /** A change read from the change feed (change-poller.ts). */
  putChanged(volume: Volume, entry: RemoteEntry): void {
    this.store.upsert(volume.id, entry);
  }

  /** A removal read from the change feed (change-poller.ts). */
  removeChanged(volume: Volume, id: string): void {
    this.store.remove(volume.id, id);
  }

  /** A directory we just created is known to be empty. */
  markEmpty(volume: Volume, dirId: string): void {
    const at = this.now();
    this.store.replaceListing(volume.id, dirId, [], at);
    this.fetchedAt.set(key(volume.id, dirId), at);
  }

  /** Folders whose cached listing changed hands or went (a folder made offline got its PDS id, a removed subtree came back): looked up in the store again. */
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

  /** Whether dirId's cached listing can be used as it is (no list call needed). */
  isFresh(volume: Volume, dirId: string): boolean {
    if (isLocalId(dirId)) return true;
    const k = key(volume.id, dirId);
    let at = this.fetchedAt.get(k);
    if (at === undefined) {
      const listing = this.store.listingState(volume.id, dirId);
      at = listing?.complete ? listing.fetchedAt : 0;
      this.fetchedAt.set(k, at);
    }
    if (at <= 0) return false;
    if (volume.remote.capabilities.changeFeed) return true;
    return this.now() - at < this.opts.dirCacheTtlMs;
  }

  /** `onPage`: told of each page once stored, when this call starts the listing (not when it joins one in flight). */
  private async ensureFresh(volume: Volume, dirId: string, onPage?: (page: readonly RemoteEntry[]) => void): Promise<void> {
    if (this.isFresh(volume, dirId)) return;
    await this.flights.run(key(volume.id, dirId), async () => {
      const started = this.now();
      this.listCalls++;
      if (LISTING_STARTED.hasSubscribers) LISTING_STARTED.publish(dirId);
      // Its child folders are prefetched again once a walker reads the new listing (or as it arrives).
      this.prefetched.delete(key(volume.id, dirId));
      // The Remote fetches the next page while this one is stored (see pds/paging.ts). Each page is
      // stored at the end of the event loop's turn it arrived in, with the other listings' pages
      // that arrived in it (MetadataStore.afterTurn), and a one-page listing's end goes with its page.
      const stored: Promise<void>[] = [];
      let failure: { err: unknown } | undefined;
      const storing = (write: () => void, rows = 0) => {
        this.store.meter.hold(rows);
        stored.push(this.store.afterTurn(write).then(
          () => this.store.meter.release(rows),
          (err: unknown) => {
            this.store.meter.release(rows);
            failure ??= { err };
          },
        ));
      };
      try {
        for await (const page of listingPages(volume.remote, dirId)) {
          // A long listing holds one page at a time: the next waits for the last one's commit, and
          // for a checkpoint that is due (checkpointer.ts).
          if (stored.length > 0) {
            await stored[stored.length - 1];
            await this.store.roomForWrites();
          }
          storing(() => this.store.storeListingPage(volume.id, dirId, page, started), page.length);
          onPage?.(page);
        }
      } catch (err) {
        // Offline: what we have, however old, rather than nothing.
        if (VfsError.is(toVfsError(err), 'EHOSTDOWN') && this.store.listingState(volume.id, dirId)) return;
        throw err;
      }
      // Not complete if a page was not stored (its commit, a turn before, failed).
      storing(() => failure === undefined && this.store.finishListing(volume.id, dirId, started));
      await Promise.all(stored);
      if (failure) throw failure.err;
      this.fetchedAt.set(key(volume.id, dirId), started);
      this.opts.afterFetch?.(volume.id, dirId);
    });
  }
}

/** A remote's listing a page at a time: the server's pages where it has them, else its entries LISTING_PAGE at a time. */
async function* listingPages(remote: Remote, dirId: string): AsyncIterable<RemoteEntry[]> {
  if (remote.listPages) {
    yield* remote.listPages(dirId);
    return;
  }
  let batch: RemoteEntry[] = [];
  for await (const e of remote.list(dirId)) {
    batch.push(e);
    if (batch.length >= LISTING_PAGE) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function byName(read: ReadChildren): Map<string, CachedEntry[]> {
  if (read.byName) return read.byName;
  const names = new Map<string, CachedEntry[]>();
  for (const page of read.pages) {
    for (const e of page) {
      const name = nameKey(e.name);
      const same = names.get(name);
      if (same) same.push(e);
      else names.set(name, [e]);
    }
  }
  read.byName = names;
  return names;
}

function key(volumeId: string, dirId: string): string {
  return `${volumeId}\u0000${dirId}`;
}
