// Namespace changes (mkdir, move, remove, attributes) made while PDS could not be reached, waiting
// to be replayed in id order (independent ones at once: vfs/replay-order.ts). Like the write journal, every change is committed before the method
// returns, so a returned call survives kill -9. A change the server no longer allowed stays as a
// notice (state lost), and so do conflicts resolved by keeping both sides.
import type { Statement } from 'better-sqlite3';
import type { RemoteEntry } from '../../core/remote.js';
import type { CacheDb } from './db.js';

/** Ids of folders made offline, until PDS gives them theirs. */
export const LOCAL_ID_PREFIX = 'local:';

/** Local ids whose PDS id (or its absence) LocalIds remembers at most. */
const MAX_KNOWN_IDS = 10_000;

const sharedLocalIds = new WeakMap<CacheDb, LocalIds>();

export function isLocalId(id: string): boolean {
  return id.startsWith(LOCAL_ID_PREFIX);
}

/**
 * The PDS ids the folders made offline were given. The replay moves every row and change naming a
 * folder's local id to its PDS id in one transaction; an operation that looked the folder up before
 * and waited since (for a lock, a staging file, a listing, or a file kept open) still holds the
 * local id. So the stores map an id as they write it (op log, journal, nodes), and the namespace
 * changes as they send it: what is written after that transaction names the PDS id.
 */
export class LocalIds {
  private readonly realId: Statement;
  /**
   * What was read, null for an id not given one yet: the replay asks again and again for the ids of
   * the changes it looks at. The op log says when it gives one (given); a rolled-back transaction
   * may have given one, so everything is read again after it.
   */
  private readonly known = new Map<string, string | null>();
  private knownRollbacks = -1;

  /** The one of `cache`: its journal, cached tree and op log share what is known. */
  static of(cache: CacheDb): LocalIds {
    let ids = sharedLocalIds.get(cache);
    if (!ids) sharedLocalIds.set(cache, (ids = new LocalIds(cache)));
    return ids;
  }

  private constructor(private readonly cache: CacheDb) {
    this.realId = cache.db.prepare('SELECT real_id FROM local_ids WHERE local_id = ?').pluck();
  }

  /** The PDS id a local folder id was given, if any. */
  realIdOf(localId: string): string | undefined {
    const { cache, known } = this;
    if (this.knownRollbacks !== cache.rollbacks || known.size >= MAX_KNOWN_IDS) {
      known.clear();
      this.knownRollbacks = cache.rollbacks;
    }
    let real = known.get(localId);
    if (real === undefined) known.set(localId, (real = (this.realId.get(localId) as string | undefined) ?? null));
    return real ?? undefined;
  }

  /** The op log gave `localId` its PDS id (in the transaction under way). */
  given(localId: string, realId: string): void {
    this.known.set(localId, realId);
  }

  /** The id as it is written now: a local folder id that has been given its PDS id is that PDS id. */
  current(id: string): string {
    return isLocalId(id) ? (this.realIdOf(id) ?? id) : id;
  }

  /** An entry with its id and its folder's id as they are written now (itself when neither changed). */
  currentEntry<T extends { id: string; parentId: string }>(entry: T): T {
    const id = this.current(entry.id);
    const parentId = this.current(entry.parentId);
    return id === entry.id && parentId === entry.parentId ? entry : { ...entry, id, parentId };
  }

  /**
   * Journal rows an earlier pdsfs left under a local folder id after the folder was given its PDS id
   * (it moved them only as it uploaded them, and the write-back now waits on such a row's folder):
   * moved to that id, once, as the cache opens. Returns how many.
   */
  static moveJournalRows(cache: CacheDb): number {
    return cache.db
      .prepare('UPDATE journal SET parent_id = (SELECT real_id FROM local_ids WHERE local_id = journal.parent_id) WHERE (volume, parent_id) IN (SELECT volume, local_id FROM local_ids)')
      .run().changes;
  }
}

/** upload: only on notices (an upload kept beside a newer server file). */
export type OpKind = 'mkdir' | 'move' | 'remove' | 'meta' | 'upload';

/** pending: waits for replay. lost: the server refused it; conflict: replayed, both sides kept (notices). */
export type OpState = 'pending' | 'lost' | 'conflict';

export interface Op {
  id: number;
  volume: string;
  kind: OpKind;
  /** The entry changed (for mkdir: the local id of the new folder). */
  nodeId: string;
  /** mkdir, move: the (new) parent folder. */
  parentId: string | null;
  /** mkdir, move: the (new) name. */
  name: string | null;
  /** meta, mkdir: epoch ms. */
  mtime: number | null;
  /** meta, mkdir: user_meta (POSIX attributes). */
  userMeta: string | null;
  /** remove: delete rather than move to the recycle bin. */
  permanent: boolean;
  /** remove of a folder: what the local side knew of the folder's subtree when it was removed. */
  seen: SeenTree | null;
  /** The entry as the change saw it (for the local tree, and to tell whether the server changed it since). */
  entry: RemoteEntry | null;
  state: OpState;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * A folder's subtree as the cache knew it when the folder was removed offline: replay removes only
 * this and keeps what the server gained meanwhile (vfs/folder-delete.ts).
 */
export interface SeenTree {
  /** Id → revision ('' for folders) of every cached entry below the folder. */
  entries: Record<string, string>;
  /** The folder and the folders below it whose whole listing was cached: an entry there not in `entries` was never seen. */
  listed: string[];
}

export type NewOp = Pick<Op, 'volume' | 'kind' | 'nodeId'> & Partial<Pick<Op, 'parentId' | 'name' | 'mtime' | 'userMeta' | 'permanent' | 'entry' | 'seen'>>;

interface DbOp {
  id: number;
  volume: string;
  kind: OpKind;
  node_id: string;
  parent_id: string | null;
  name: string | null;
  mtime: number | null;
  user_meta: string | null;
  permanent: number;
  entry: string | null;
  seen: string | null;
  state: OpState;
  attempts: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

function fromDb(r: DbOp): Op {
  return {
    id: r.id, volume: r.volume, kind: r.kind, nodeId: r.node_id, parentId: r.parent_id, name: r.name,
    mtime: r.mtime, userMeta: r.user_meta, permanent: r.permanent === 1, entry: r.entry === null ? null : (JSON.parse(r.entry) as RemoteEntry),
    seen: r.seen === null ? null : (JSON.parse(r.seen) as SeenTree),
    state: r.state, attempts: r.attempts, lastError: r.last_error, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** Notices kept (lost changes, conflicts); older ones are dropped. */
const NOTICES_KEPT = 1000;

export interface OpCounts {
  pending: number;
  lost: number;
  conflicts: number;
}

export class OpLog {
  private readonly q: Record<
    'insert' | 'get' | 'remove' | 'pending' | 'setState' | 'retry' | 'counts' | 'notices' | 'trim'
    | 'rekeyNode' | 'rekeyParent' | 'mapLocal',
    Statement
  >;
  /** Lost changes and conflicts (notices), counted once per change of them. */
  private noticesMemo: Omit<OpCounts, 'pending'> | undefined;
  /**
   * The pending changes by id, oldest first, as SQLite has them (in the transaction under way too).
   * An Op handed out is never changed afterwards (a change replaces it here), as a row read was not.
   * The replay looks at the oldest of them after every change it applies, and the local tree lays
   * them over a listing: read from SQLite with a JSON parse a row each time, a queue of a few hundred
   * changes (rsync's folders and their attributes) cost the main thread milliseconds per change.
   */
  private mirror: Map<number, Op> | undefined;
  /** cache.rollbacks when the mirror and the memo were last known to match SQLite. */
  private seenRollbacks = 0;
  /**
   * The mirror's newest id, when known: every commit of a written file asks for it, and a queue of
   * thousands of changes made offline would be walked each time. A new change is the newest (ids only
   * grow); the replay takes changes from the oldest end, so it is seldom looked for again.
   */
  private newest: number | undefined;
  private readonly localIds: LocalIds;

  constructor(private readonly cache: CacheDb, private readonly now: () => number = Date.now) {
    const db = cache.db;
    this.localIds = LocalIds.of(cache);
    this.q = {
      insert: db.prepare(
        `INSERT INTO ops (volume, kind, node_id, parent_id, name, mtime, user_meta, permanent, entry, seen, state, attempts, last_error, created_at, updated_at)
         VALUES (@volume, @kind, @nodeId, @parentId, @name, @mtime, @userMeta, @permanent, @entry, @seen, @state, 0, @lastError, @at, @at)`,
      ),
      get: db.prepare('SELECT * FROM ops WHERE id = ?'),
      remove: db.prepare('DELETE FROM ops WHERE id = ?'),
      pending: db.prepare("SELECT * FROM ops INDEXED BY ops_by_state WHERE state = 'pending' ORDER BY id"),
      setState: db.prepare('UPDATE ops SET state = ?, last_error = ?, updated_at = ? WHERE id = ?'),
      retry: db.prepare('UPDATE ops SET attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ?'),
      counts: db.prepare("SELECT COALESCE(SUM(state = 'lost'), 0) AS lost, COALESCE(SUM(state = 'conflict'), 0) AS conflicts FROM ops"),
      notices: db.prepare("SELECT * FROM ops WHERE state != 'pending' ORDER BY id DESC LIMIT ?"),
      trim: db.prepare(`DELETE FROM ops WHERE state != 'pending' AND id <= (SELECT id FROM ops WHERE state != 'pending' ORDER BY id DESC LIMIT 1 OFFSET ${NOTICES_KEPT})`),
      rekeyNode: db.prepare("UPDATE ops SET node_id = ? WHERE volume = ? AND node_id = ? AND state = 'pending'"),
      rekeyParent: db.prepare("UPDATE ops SET parent_id = ? WHERE volume = ? AND parent_id = ? AND state = 'pending'"),
      mapLocal: db.prepare('INSERT OR REPLACE INTO local_ids (local_id, volume, real_id) VALUES (?, ?, ?)'),
    };
  }

  add(op: NewOp): Op {
    const at = this.now();
    const { localIds } = this;
    const entry = op.entry ? JSON.stringify(op.entry) : null;
    const seen = op.seen ? JSON.stringify(op.seen) : null;
    const row = {
      volume: op.volume, kind: op.kind, nodeId: localIds.current(op.nodeId), parentId: op.parentId === undefined || op.parentId === null ? null : localIds.current(op.parentId), name: op.name ?? null,
      mtime: op.mtime ?? null, userMeta: op.userMeta ?? null, permanent: op.permanent ? 1 : 0, entry,
      seen, state: 'pending' as const, lastError: null, at,
    };
    const pending = this.pendingOps();
    const id = Number(this.q.insert.run(row).lastInsertRowid);
    // As fromDb would read it back: the entry and the seen tree parsed anew, not the caller's objects.
    const added: Op = {
      id, volume: row.volume, kind: row.kind, nodeId: row.nodeId, parentId: row.parentId, name: row.name, mtime: row.mtime, userMeta: row.userMeta,
      permanent: row.permanent === 1, entry: entry === null ? null : (JSON.parse(entry) as RemoteEntry), seen: seen === null ? null : (JSON.parse(seen) as SeenTree),
      state: 'pending', attempts: 0, lastError: null, createdAt: at, updatedAt: at,
    };
    pending.set(id, added);
    this.newest = id;
    return added;
  }

  get(id: number): Op | undefined {
    const pending = this.pendingOps().get(id);
    if (pending) return pending;
    const r = this.q.get.get(id) as DbOp | undefined;
    return r && fromDb(r);
  }

  /** Pending changes, oldest first. */
  pending(): Op[] {
    return [...this.pendingOps().values()];
  }

  /** The oldest `limit` pending changes, oldest first (what replay looks at at once). */
  pendingFirst(limit: number): Op[] {
    const first: Op[] = [];
    for (const op of this.pendingOps().values()) {
      if (first.length === limit) break;
      first.push(op);
    }
    return first;
  }

  /** Id of the oldest pending change, 0 when none: uploads that must wait for one compare against it. */
  firstPendingId(): number {
    for (const id of this.pendingOps().keys()) return id;
    return 0;
  }

  /** Id of the newest pending change, 0 when none: content written now waits for it. */
  lastPendingId(): number {
    const pending = this.pendingOps();
    if (this.newest === undefined) {
      this.newest = 0;
      for (const id of pending.keys()) this.newest = id;
    }
    return this.newest;
  }

  /** The mirror of the pending changes, read again from SQLite after a transaction rolled back. */
  private pendingOps(): Map<number, Op> {
    if (this.mirror === undefined || this.seenRollbacks !== this.cache.rollbacks) {
      this.seenRollbacks = this.cache.rollbacks;
      this.noticesMemo = undefined;
      this.mirror = new Map((this.q.pending.all() as DbOp[]).map((r) => [r.id, fromDb(r)]));
      this.newest = undefined;
    }
    return this.mirror;
  }

  /** A change left the pending ones. */
  private forget(pending: Map<number, Op>, id: number): void {
    pending.delete(id);
    if (id === this.newest) this.newest = undefined;
  }

  /** Replayed: gone from the queue. */
  done(id: number): void {
    const pending = this.pendingOps();
    this.q.remove.run(id);
    this.forget(pending, id);
  }

  /** Replay failed for a passing reason (counted, kept in the queue). */
  failedAttempt(id: number, error: string): void {
    const at = this.now();
    const pending = this.pendingOps();
    this.q.retry.run(error, at, id);
    const op = pending.get(id);
    if (op) pending.set(id, { ...op, attempts: op.attempts + 1, lastError: error, updatedAt: at });
  }

  /** The server no longer allowed it, or it was replayed with both sides kept: a notice from now on. */
  settle(id: number, state: 'lost' | 'conflict', message: string): void {
    this.cache.batch(() => {
      const pending = this.pendingOps();
      this.q.setState.run(state, message, this.now(), id);
      this.q.trim.run();
      this.forget(pending, id);
      this.noticesMemo = undefined;
    });
  }

  /** A conflict met elsewhere (an upload kept beside a newer server file), as a notice. */
  notice(volume: string, nodeId: string, name: string, message: string): void {
    const op = this.add({ volume, kind: 'upload', nodeId, name });
    this.settle(op.id, 'conflict', message);
  }

  /** Lost changes and conflicts, newest first. */
  notices(limit: number): Op[] {
    return (this.q.notices.all(limit) as DbOp[]).map(fromDb);
  }

  counts(): OpCounts {
    const pending = this.pendingOps().size;
    this.noticesMemo ??= this.q.counts.get() as Omit<OpCounts, 'pending'>;
    return { pending, ...this.noticesMemo };
  }

  /** Runs fn in one transaction (the caches of one database change together). */
  atomically<T>(fn: () => T): T {
    return this.cache.batch(fn);
  }

  /** A folder made offline got its PDS id: pending changes naming it name that id from now on. */
  rekey(volume: string, from: string, to: string): void {
    const pending = this.pendingOps();
    this.q.rekeyNode.run(to, volume, from);
    this.q.rekeyParent.run(to, volume, from);
    this.q.mapLocal.run(from, volume, to);
    this.localIds.given(from, to);
    for (const op of pending.values()) {
      if (op.volume !== volume || (op.nodeId !== from && op.parentId !== from)) continue;
      pending.set(op.id, { ...op, nodeId: op.nodeId === from ? to : op.nodeId, parentId: op.parentId === from ? to : op.parentId });
    }
  }

  /** The id as it is written now (LocalIds.current). */
  currentId(id: string): string {
    return this.localIds.current(id);
  }

  /** The entry as it is written now (LocalIds.currentEntry). */
  currentEntry<T extends { id: string; parentId: string }>(entry: T): T {
    return this.localIds.currentEntry(entry);
  }
}
