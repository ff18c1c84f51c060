// The metadata cache of remote entries: nodes, directory listings, negative lookups and
// change-feed cursors, all per volume, all in the CacheDb so a warm tree survives a restart.
import type { Statement } from 'better-sqlite3';
import type { RemoteEntry } from '../../core/remote.js';
import { nameKey } from '../../shared/name-key.js';
import type { CacheDb } from './db.js';

export interface CachedEntry extends RemoteEntry {
  volume: string;
}

export interface Listing {
  entries: CachedEntry[];
  /** Epoch ms of the listing; 0 once invalidated. */
  fetchedAt: number;
  complete: boolean;
}

interface NodeRow {
  volume: string;
  id: string;
  parent_id: string;
  name: string;
  kind: 'file' | 'dir';
  size: number;
  mtime: number;
  ctime: number;
  revision: string;
  content_hash: string | null;
  user_meta: string | null;
}

const NODE_COLUMNS = 'volume, id, parent_id, name, kind, size, mtime, ctime, revision, content_hash, user_meta';

function toEntry(row: NodeRow): CachedEntry {
  const entry: CachedEntry = {
    volume: row.volume,
    id: row.id,
    parentId: row.parent_id,
    name: row.name,
    kind: row.kind,
    size: row.size,
    mtime: row.mtime,
    ctime: row.ctime,
    revision: row.revision,
  };
  if (row.content_hash !== null) entry.contentHash = row.content_hash;
  if (row.user_meta !== null) entry.userMeta = row.user_meta;
  return entry;
}

export class MetadataStore {
  private readonly q: Record<
    | 'get' | 'children' | 'childIds' | 'lookup' | 'upsert' | 'subtree' | 'deleteNode' | 'deleteListing'
    | 'deleteMissingUnder' | 'getListing' | 'setListing' | 'staleListing' | 'staleVolume'
    | 'deleteMissingVolume' | 'recordMissing' | 'getMissing' | 'deleteMissing' | 'getCursor' | 'setCursor',
    Statement
  >;

  constructor(private readonly cache: CacheDb) {
    const db = cache.db;
    // INDEXED BY: without ANALYZE statistics SQLite prefers the primary key (volume = ?) for these and
    // scans every node of the volume, which made each lookup cost O(entries) (ls -lR went quadratic).
    this.q = {
      get: db.prepare(`SELECT ${NODE_COLUMNS} FROM nodes WHERE volume = ? AND id = ?`),
      children: db.prepare(`SELECT ${NODE_COLUMNS} FROM nodes INDEXED BY nodes_by_parent WHERE volume = ? AND parent_id = ? ORDER BY name_nfc, id`),
      childIds: db.prepare('SELECT id FROM nodes INDEXED BY nodes_by_parent WHERE volume = ? AND parent_id = ?').pluck(),
      lookup: db.prepare(`SELECT ${NODE_COLUMNS} FROM nodes INDEXED BY nodes_by_parent WHERE volume = ? AND parent_id = ? AND name_nfc = ? ORDER BY id`),
      upsert: db.prepare(
        `INSERT OR REPLACE INTO nodes (${NODE_COLUMNS}, name_nfc)
         VALUES (@volume, @id, @parentId, @name, @kind, @size, @mtime, @ctime, @revision, @contentHash, @userMeta, @nameNfc)`,
      ),
      subtree: db.prepare(
        `WITH RECURSIVE sub(id) AS (
           SELECT ? UNION SELECT n.id FROM sub CROSS JOIN nodes n INDEXED BY nodes_by_parent WHERE n.volume = ? AND n.parent_id = sub.id
         ) SELECT id FROM sub`,
      ).pluck(),
      deleteNode: db.prepare('DELETE FROM nodes WHERE volume = ? AND id = ?'),
      deleteListing: db.prepare('DELETE FROM listings WHERE volume = ? AND dir_id = ?'),
      deleteMissingUnder: db.prepare('DELETE FROM missing WHERE volume = ? AND parent_id = ?'),
      getListing: db.prepare('SELECT fetched_at, complete FROM listings WHERE volume = ? AND dir_id = ?'),
      setListing: db.prepare('INSERT OR REPLACE INTO listings (volume, dir_id, fetched_at, complete) VALUES (?, ?, ?, 1)'),
      staleListing: db.prepare('UPDATE listings SET fetched_at = 0 WHERE volume = ? AND dir_id = ?'),
      staleVolume: db.prepare('UPDATE listings SET fetched_at = 0 WHERE volume = ?'),
      deleteMissingVolume: db.prepare('DELETE FROM missing WHERE volume = ?'),
      recordMissing: db.prepare('INSERT OR REPLACE INTO missing (volume, parent_id, name_nfc, at) VALUES (?, ?, ?, ?)'),
      getMissing: db.prepare('SELECT at FROM missing WHERE volume = ? AND parent_id = ? AND name_nfc = ?').pluck(),
      deleteMissing: db.prepare('DELETE FROM missing WHERE volume = ? AND parent_id = ? AND name_nfc = ?'),
      getCursor: db.prepare('SELECT cursor FROM cursors WHERE volume = ?').pluck(),
      setCursor: db.prepare('INSERT OR REPLACE INTO cursors (volume, cursor) VALUES (?, ?)'),
    };
  }

  get(volume: string, id: string): CachedEntry | undefined {
    const row = this.q.get.get(volume, id) as NodeRow | undefined;
    return row && toEntry(row);
  }

  /** Children of dirId whose name matches `name` after NFC normalization (so NFC and NFD spellings match). */
  lookup(volume: string, parentId: string, name: string): CachedEntry[] {
    return (this.q.lookup.all(volume, parentId, nameKey(name)) as NodeRow[]).map(toEntry);
  }

  /** The cached children of dirId, or undefined when the directory was never listed. */
  listing(volume: string, dirId: string): Listing | undefined {
    const read = this.cache.db.transaction(() => {
      const meta = this.q.getListing.get(volume, dirId) as { fetched_at: number; complete: number } | undefined;
      if (!meta) return undefined;
      const entries = (this.q.children.all(volume, dirId) as NodeRow[]).map(toEntry);
      return { entries, fetchedAt: meta.fetched_at, complete: meta.complete === 1 };
    });
    return read();
  }

  /**
   * Replaces the children of dirId with `entries` in one transaction; marks the listing complete at
   * `at` (epoch ms). Children that disappeared lose their cached subtree. Clears negative entries of that dir.
   */
  replaceListing(volume: string, dirId: string, entries: RemoteEntry[], at: number): void {
    this.cache.db.transaction(() => {
      const keep = new Set(entries.map((e) => e.id));
      for (const id of this.q.childIds.all(volume, dirId) as string[]) {
        if (!keep.has(id)) this.removeSubtree(volume, id);
      }
      for (const entry of entries) this.write(volume, { ...entry, parentId: dirId });
      this.q.setListing.run(volume, dirId, at);
      this.q.deleteMissingUnder.run(volume, dirId);
    })();
  }

  /** Inserts or replaces one entry (own writes show at once); the name is no longer "missing". */
  upsert(volume: string, entry: RemoteEntry): void {
    this.cache.db.transaction(() => {
      this.write(volume, entry);
      this.q.deleteMissing.run(volume, entry.parentId, nameKey(entry.name));
    })();
  }

  /** Removes the entry and its cached subtree (nodes, listings and negative entries below it). */
  remove(volume: string, id: string): void {
    this.cache.db.transaction(() => this.removeSubtree(volume, id))();
  }

  /** Keeps the entries but marks the listing stale (fetchedAt 0); forgets negative lookups in the dir. */
  invalidateListing(volume: string, dirId: string): void {
    this.cache.db.transaction(() => {
      this.q.staleListing.run(volume, dirId);
      this.q.deleteMissingUnder.run(volume, dirId);
    })();
  }

  /** Marks every listing of the volume stale and forgets its negative lookups (e.g. the change feed was lost). */
  invalidateVolume(volume: string): void {
    this.cache.db.transaction(() => {
      this.q.staleVolume.run(volume);
      this.q.deleteMissingVolume.run(volume);
    })();
  }

  /** Negative lookup cache: `name` (NFC key) was not found under parentId at `at`. */
  recordMissing(volume: string, parentId: string, name: string, at: number): void {
    this.q.recordMissing.run(volume, parentId, nameKey(name), at);
  }

  /** True when `name` was recorded missing under parentId at or after `notBefore`. */
  isMissing(volume: string, parentId: string, name: string, notBefore: number): boolean {
    const at = this.q.getMissing.get(volume, parentId, nameKey(name)) as number | undefined;
    return at !== undefined && at >= notBefore;
  }

  getCursor(volume: string): string | undefined {
    return this.q.getCursor.get(volume) as string | undefined;
  }

  setCursor(volume: string, cursor: string): void {
    this.q.setCursor.run(volume, cursor);
  }

  private write(volume: string, e: RemoteEntry): void {
    this.q.upsert.run({
      volume,
      id: e.id,
      parentId: e.parentId,
      name: e.name,
      kind: e.kind,
      size: e.size,
      mtime: e.mtime,
      ctime: e.ctime,
      revision: e.revision,
      contentHash: e.contentHash ?? null,
      userMeta: e.userMeta ?? null,
      nameNfc: nameKey(e.name),
    });
  }

  private removeSubtree(volume: string, id: string): void {
    for (const sub of this.q.subtree.all(id, volume) as string[]) {
      this.q.deleteNode.run(volume, sub);
      this.q.deleteListing.run(volume, sub);
      this.q.deleteMissingUnder.run(volume, sub);
    }
  }
}
