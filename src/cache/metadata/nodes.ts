// The metadata cache of remote entries: nodes, directory listings and change-feed cursors, all per volume, all in the CacheDb so a warm tree survives a restart.
import type { Statement } from 'better-sqlite3';
import type { RemoteEntry } from '../../core/remote.js';
import { nameKey } from '../../shared/name-key.js';
import { KeptLookups } from './kept-lookups.js';
import { MetadataMeter } from './metadata-meter.js';
import type { CacheDb } from './db.js';
import { isLocalId, LocalIds } from './ops.js';

export interface CachedEntry extends RemoteEntry {
  volume: string;
}

/** Where a page of children ends: the next page starts after this (name key, id). */
export interface PageKey {
  nameKey: string;
  id: string;
}

export interface ChildPage {
  entries: CachedEntry[];
  /** Undefined on the last page. */
  next?: PageKey;
}

interface QueuedCommit {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface ListingState {
  /** Epoch ms of the listing; 0 once invalidated. */
  fetchedAt: number;
  complete: boolean;
}

export interface Listing {
  entries: CachedEntry[];
  /** Epoch ms of the listing; 0 once invalidated. */
  fetchedAt: number;
  complete: boolean;
}

/**
 * A row as the node queries read it, in CHILD_COLUMNS order (raw arrays: better-sqlite3 makes an
 * object with named keys per row otherwise, which costs about as much as the query itself).
 * `get` adds the parent's id after them; the children queries have it as their own parameter.
 */
type NodeRow = [
  id: string,
  nameNfc: string,
  /** NULL when the name is its own NFC key. */
  name: string | null,
  kind: 'file' | 'dir',
  size: number,
  mtime: number,
  ctime: number,
  revision: string,
  contentHash: string | null,
  userMeta: string | null,
  readOnly: number,
  parentId?: string,
];

const CHILD_COLUMNS = 'id, name_nfc, name, kind, size, mtime, ctime, revision, content_hash, user_meta, read_only';
const NODE_COLUMNS = 'volume, id, parent_id, name_nfc, name, kind, size, mtime, ctime, revision, content_hash, user_meta, read_only';

function toEntry(row: NodeRow, volume: string, parentId: string): CachedEntry {
  const entry: CachedEntry = {
    volume,
    id: row[0],
    parentId,
    name: row[2] ?? row[1],
    kind: row[3],
    size: row[4],
    mtime: row[5],
    ctime: row[6],
    revision: row[7],
  };
  if (row[8] !== null) entry.contentHash = row[8];
  if (row[9] !== null) entry.userMeta = row[9];
  if (row[10]) entry.readOnly = true;
  return entry;
}

export class MetadataStore {
  readonly meter = new MetadataMeter();
  private readonly q: Record<
    | 'get' | 'revision' | 'parentId' | 'children' | 'page' | 'restOfName' | 'childFolders' | 'unlisted' | 'lookup' | 'upsert' | 'subtree' | 'deleteNode' | 'deleteListing'
    | 'getListing' | 'setListing' | 'staleListing' | 'staleVolume' | 'getCursor' | 'setCursor'
    | 'rekeyNode' | 'rekeyChildren' | 'rekeyListing' | 'addEmptyListing',
    Statement
  >;

  /**
   * Bumped by every change that can add, move or remove a folder or make a listing stale (whoever
   * makes it: listings, own writes, the change feed, offline changes, rekeys): a path resolved from
   * the cache under an older generation may be stale.
   */
  generation = 0;

  /** Bumped by every row written or removed: rows read from the store are current while it stays the same. */
  writes = 0;

  /** Lookups answered while no row was written or removed since. */
  private readonly keptLookups = new KeptLookups<CachedEntry>();

  /** Listing writes waiting for the end of this turn of the event loop (afterTurn), and how their commit is told. */
  private queued: (() => void)[] = [];
  private queuedCommit: QueuedCommit | undefined;
  private readonly localIds: LocalIds;

  constructor(private readonly cache: CacheDb) {
    const db = cache.db;
    this.localIds = LocalIds.of(cache);
    // The table's key is (volume, parent_id, name_nfc, id): children, a page of them and a name are
    // ranges of the table itself (NOT INDEXED keeps the planner from preferring nodes_by_id, which
    // it may without ANALYZE statistics). Nodes by id go through nodes_by_id.
    const children = `SELECT ${CHILD_COLUMNS} FROM nodes NOT INDEXED WHERE volume = ? AND parent_id = ?`;
    this.q = {
      get: db.prepare(`SELECT ${CHILD_COLUMNS}, parent_id FROM nodes INDEXED BY nodes_by_id WHERE volume = ? AND id = ?`).raw(),
      revision: db.prepare('SELECT revision FROM nodes INDEXED BY nodes_by_id WHERE volume = ? AND id = ?').pluck(),
      parentId: db.prepare('SELECT parent_id FROM nodes INDEXED BY nodes_by_id WHERE volume = ? AND id = ?').pluck(),
      children: db.prepare(`${children} ORDER BY name_nfc, id`).raw(),
      // Keyset paging: (name_nfc, id) > (?, ?) starts the range where the last page ended.
      page: db.prepare(`${children} AND (name_nfc, id) > (?, ?) ORDER BY name_nfc, id LIMIT ?`).raw(),
      restOfName: db.prepare(`${children} AND name_nfc = ? AND id > ? ORDER BY id`).raw(),
      childFolders: db.prepare("SELECT id FROM nodes NOT INDEXED WHERE volume = ? AND parent_id = ? AND kind = 'dir' ORDER BY name_nfc, id LIMIT ?").pluck(),
      unlisted: db.prepare('SELECT id FROM nodes NOT INDEXED WHERE volume = ? AND parent_id = ? AND listed_at < ?').pluck(),
      lookup: db.prepare(`${children} AND name_nfc = ? ORDER BY id`).raw(),
      upsert: db.prepare(
        `INSERT OR REPLACE INTO nodes (${NODE_COLUMNS}, listed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      subtree: db.prepare(
        `WITH RECURSIVE sub(id) AS (
           SELECT ? UNION SELECT n.id FROM sub CROSS JOIN nodes n NOT INDEXED WHERE n.volume = ? AND n.parent_id = sub.id
         ) SELECT id FROM sub`,
      ).pluck(),
      deleteNode: db.prepare('DELETE FROM nodes WHERE volume = ? AND id = ?'),
      deleteListing: db.prepare('DELETE FROM listings WHERE volume = ? AND dir_id = ?'),
      getListing: db.prepare('SELECT fetched_at, complete FROM listings WHERE volume = ? AND dir_id = ?'),
      setListing: db.prepare('INSERT OR REPLACE INTO listings (volume, dir_id, fetched_at, complete) VALUES (?, ?, ?, 1)'),
      staleListing: db.prepare('UPDATE listings SET fetched_at = 0 WHERE volume = ? AND dir_id = ?'),
      staleVolume: db.prepare('UPDATE listings SET fetched_at = 0 WHERE volume = ?'),
      getCursor: db.prepare('SELECT cursor FROM cursors WHERE volume = ?').pluck(),
      setCursor: db.prepare('INSERT OR REPLACE INTO cursors (volume, cursor) VALUES (?, ?)'),
      rekeyNode: db.prepare('UPDATE nodes SET id = ? WHERE volume = ? AND id = ?'),
      rekeyChildren: db.prepare('UPDATE nodes SET parent_id = ? WHERE volume = ? AND parent_id = ?'),
      rekeyListing: db.prepare('UPDATE listings SET dir_id = ? WHERE volume = ? AND dir_id = ?'),
      addEmptyListing: db.prepare('INSERT OR IGNORE INTO listings (volume, dir_id, fetched_at, complete) VALUES (?, ?, ?, 1)'),
    };
    cache.beforeClose(() => this.commitQueued());
  }

  /**
   * Runs `write` at the end of this turn of the event loop, in one transaction with every other
   * write queued in it; resolves once committed. The listings of a walk arrive several in a turn
   * (the prefetched folders' answers), and a commit of each alone costs its own WAL frames: the
   * nodes_by_id pages their random ids fall in are written again by every transaction (a cold
   * `ls -lR` of 111 folders wrote 7.6 MB of WAL for a 1.3 MB file, and set off a checkpoint).
   * Any other write commits what is queued first, so no queued write lands after a newer one.
   */
  afterTurn(write: () => void): Promise<void> {
    this.queued.push(write);
    if (this.queuedCommit) return this.queuedCommit.promise;
    let settle!: Omit<QueuedCommit, 'promise'>;
    const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    // A caller that queued several writes may look at only the last one's commit.
    promise.catch(() => undefined);
    this.queuedCommit = { promise, ...settle };
    setImmediate(() => this.commitQueued());
    return promise;
  }

  /** Commits the writes queued by afterTurn now (nothing when none is). */
  private commitQueued(): void {
    const commit = this.queuedCommit;
    if (!commit) return;
    const writes = this.queued;
    this.queued = [];
    this.queuedCommit = undefined;
    this.meter.turnCommits++;
    try {
      this.cache.batch(() => {
        for (const write of writes) write();
      });
      commit.resolve();
    } catch (err) {
      commit.reject(err);
    }
  }

  /** WAL checkpoints and restarts so far, all off the request thread, and fallbacks to SQLite's own (checkpointer.ts). */
  get checkpoints(): CacheDb['checkpointer']['counts'] {
    return this.cache.checkpointer.counts;
  }

  /** Long runs of writes await this between transactions: it waits while a checkpoint is due (checkpointer.ts). */
  roomForWrites(): Promise<void> {
    return this.cache.checkpointer.roomForWrites();
  }

  get(volume: string, id: string): CachedEntry | undefined {
    const row = this.q.get.get(volume, id) as NodeRow | undefined;
    return row && toEntry(row, volume, row[11]!);
  }

  /** The cached revision of a node, undefined when it is not cached: one string, no entry built (the change feed asks it per change). */
  revision(volume: string, id: string): string | undefined {
    return this.q.revision.get(volume, id) as string | undefined;
  }

  /** The folder a node is cached in, undefined when it is not cached: one string, no entry built (the replay asks it for the ancestors of each waiting change). */
  parentId(volume: string, id: string): string | undefined {
    return this.q.parentId.get(volume, id) as string | undefined;
  }

  /**
   * Children of dirId whose name matches `name` after NFC normalization (so NFC and NFD spellings
   * match): one indexed query, whatever the size of the folder.
   */
  lookup(volume: string, parentId: string, name: string): readonly CachedEntry[] {
    this.meter.lookups++;
    const nfc = nameKey(name);
    const key = `${volume}\0${parentId}\0${nfc}`;
    const known = this.keptLookups.get(key, this.writes);
    if (known) return known;
    const found = (this.q.lookup.all(volume, parentId, nfc) as NodeRow[]).map((r) => toEntry(r, volume, parentId));
    // Rows read inside a transaction could still be rolled back, with no write counted after.
    if (!this.cache.db.inTransaction) this.keptLookups.keep(key, found);
    return found;
  }

  /** Freshness of dirId's cached listing (no rows read), or undefined when it was never listed. */
  listingState(volume: string, dirId: string): ListingState | undefined {
    const meta = this.q.getListing.get(volume, dirId) as { fetched_at: number; complete: number } | undefined;
    return meta && { fetchedAt: meta.fetched_at, complete: meta.complete === 1 };
  }

  /**
   * About `limit` children of dirId in name order, after `after`. Siblings sharing a name are never
   * split across pages (their display names are decided together), so a page may run longer. One
   * row past the limit says whether another page follows, so the last page (a whole folder of up to
   * `limit` children) is one query, without a second one that finds nothing.
   */
  childPage(volume: string, dirId: string, after: PageKey | undefined, limit: number): ChildPage {
    this.meter.pages++;
    const rows = this.q.page.all(volume, dirId, after?.nameKey ?? '', after?.id ?? '', limit + 1) as NodeRow[];
    if (rows.length <= limit) return { entries: rows.map((r) => toEntry(r, volume, dirId)) };
    const over = rows.pop()!;
    const last = rows[rows.length - 1]!;
    if (over[1] === last[1]) rows.push(...(this.q.restOfName.all(volume, dirId, last[1], last[0]) as NodeRow[]));
    const end = rows[rows.length - 1]!;
    return { entries: rows.map((r) => toEntry(r, volume, dirId)), next: { nameKey: end[1], id: end[0] } };
  }

  /** The ids of dirId's first `limit` child folders in name order (their files are skipped, not held). */
  childFolderIds(volume: string, dirId: string, limit: number): string[] {
    return this.q.childFolders.all(volume, dirId, limit) as string[];
  }

  /**
   * The cached children of dirId page by page, in name order. The meter counts each page as held
   * until the consumer asks for the next one.
   */
  *childPages(volume: string, dirId: string, pageSize: number): Generator<CachedEntry[]> {
    let after: PageKey | undefined;
    do {
      const page = this.childPage(volume, dirId, after, pageSize);
      if (page.entries.length === 0) return;
      this.meter.hold(page.entries.length);
      try {
        yield page.entries;
      } finally {
        this.meter.release(page.entries.length);
      }
      after = page.next;
    } while (after);
  }

  /** The cached children of dirId, or undefined when the directory was never listed (small folders: tests, tree walks). */
  listing(volume: string, dirId: string): Listing | undefined {
    return this.reading(() => {
      const state = this.listingState(volume, dirId);
      if (!state) return undefined;
      return { entries: (this.q.children.all(volume, dirId) as NodeRow[]).map((r) => toEntry(r, volume, dirId)), ...state };
    });
  }

  /** Stores one page of a listing of dirId that began at `at` (epoch ms), in one transaction. */
  storeListingPage(volume: string, dirId: string, entries: readonly RemoteEntry[], at: number): void {
    this.generation++;
    this.meter.storedPages++;
    this.cache.batch(() => {
      for (const entry of entries) this.write(volume, entry, at, dirId);
    });
  }

  /**
   * Ends a listing of dirId begun at `at`: children that neither it nor a write since it began
   * stored lose their cached subtree; the listing is complete at `at`.
   */
  finishListing(volume: string, dirId: string, at: number): void {
    this.generation++;
    this.cache.batch(() => {
      // Folders made offline are not on the server yet: a listing does not drop them.
      for (const id of this.q.unlisted.all(volume, dirId, at) as string[]) if (!isLocalId(id)) this.removeSubtree(volume, id);
      this.q.setListing.run(volume, dirId, at);
    });
  }

  /** Replaces the children of dirId with `entries` in one transaction; the listing is complete at `at`. */
  replaceListing(volume: string, dirId: string, entries: readonly RemoteEntry[], at: number): void {
    this.commitQueued();
    this.cache.batch(() => {
      this.storeListingPage(volume, dirId, entries, at);
      this.finishListing(volume, dirId, at);
    });
  }

  /** How SQLite runs the name lookup and the page query (EXPLAIN QUERY PLAN details; tests check both are index ranges). */
  queryPlans(): { lookup: string; page: string } {
    const plan = (sql: string, ...params: unknown[]) =>
      (this.cache.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');
    return { lookup: plan(this.q.lookup.source, 'v', 'p', 'n'), page: plan(this.q.page.source, 'v', 'p', 'n', 'i', 1) };
  }

  /** Runs `fn`, which only reads, in one read transaction (CacheDb.reading): many reads, one lock. */
  reading<T>(fn: () => T): T {
    return this.cache.reading(fn);
  }

  /** Runs `fn` (several changes) as one transaction (CacheDb.batch), counted by the meter. */
  batch<T>(fn: () => T): T {
    this.commitQueued();
    this.meter.batches++;
    return this.cache.batch(fn);
  }

  /** Inserts or replaces one entry (own writes show at once). */
  upsert(volume: string, entry: RemoteEntry): void {
    this.commitQueued();
    if (entry.kind === 'dir') this.generation++;
    // An entry held since before its folder (or itself, a folder made offline) was given its PDS id.
    this.write(volume, this.localIds.currentEntry(entry));
  }

  /** Removes the entry and its cached subtree (nodes and listings below it). */
  remove(volume: string, id: string): void {
    this.commitQueued();
    this.generation++;
    // batch joins the change feed's transaction (a nested transaction would be a savepoint per change).
    this.cache.batch(() => this.removeSubtree(volume, id));
  }

  /** Keeps the entries but marks the listing stale (fetchedAt 0). */
  invalidateListing(volume: string, dirId: string): void {
    this.commitQueued();
    this.generation++;
    this.q.staleListing.run(volume, dirId);
  }

  /** Marks every listing of the volume stale (e.g. the change feed was lost). */
  invalidateVolume(volume: string): void {
    this.commitQueued();
    this.generation++;
    this.q.staleVolume.run(volume);
  }

  /** A folder made here (known to be empty then) gets a listing unless it has one. */
  ensureListing(volume: string, dirId: string, at: number): void {
    this.commitQueued();
    this.generation++;
    this.q.addEmptyListing.run(volume, dirId, at);
  }

  /**
   * A folder made offline got its PDS id: it and its cached entries move to that id (a copy of the
   * server's entry of that id, if cached already, gives way). `merged`: the server's folder already
   * had entries of its own, so its listing is stale.
   */
  rekey(volume: string, from: string, to: string, merged: boolean): void {
    this.commitQueued();
    this.generation++;
    this.writes++;
    this.cache.batch(() => {
      this.q.deleteNode.run(volume, to);
      this.q.deleteListing.run(volume, to);
      this.q.rekeyNode.run(to, volume, from);
      this.q.rekeyChildren.run(to, volume, from);
      this.q.rekeyListing.run(to, volume, from);
      if (merged) this.q.staleListing.run(volume, to);
    });
  }

  getCursor(volume: string): string | undefined {
    return this.q.getCursor.get(volume) as string | undefined;
  }

  setCursor(volume: string, cursor: string): void {
    this.commitQueued();
    this.q.setCursor.run(volume, cursor);
  }

  /** `listedAt`: the listing that stored the row, or now for any other write; `parentId`: the listed folder (not a copy of each entry). */
  private write(volume: string, e: RemoteEntry, listedAt = Date.now(), parentId = e.parentId): void {
    this.writes++;
    const key = nameKey(e.name);
    // Positional (in NODE_COLUMNS order, then listed_at): binding by name costs a property lookup per column.
    this.q.upsert.run(volume, e.id, parentId, key, key === e.name ? null : e.name, e.kind, e.size, e.mtime, e.ctime, e.revision, e.contentHash ?? null, e.userMeta ?? null, e.readOnly ? 1 : 0, listedAt);
  }

  private removeSubtree(volume: string, id: string): void {
    this.writes++;
    for (const sub of this.q.subtree.all(id, volume) as string[]) {
      this.q.deleteNode.run(volume, sub);
      this.q.deleteListing.run(volume, sub);
    }
  }
}
