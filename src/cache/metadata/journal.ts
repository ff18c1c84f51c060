// Crash-safe record of files being written and waiting for upload. Every change survives kill -9
// once the method returns: made inside a transaction, in SQLite's WAL with it (CacheDb); made alone,
// by one append to the redo file (journal-redo.ts), committed to SQLite later with others. Reads see
// both. CacheDb.durable() adds power loss.
import type { Statement } from 'better-sqlite3';
import { VfsError } from '../../core/errors.js';
import type { CacheDb } from './db.js';
import { nameKey } from '../../shared/name-key.js';
import { JournalNameKeys } from './journal-names.js';
import { JournalRedo } from './journal-redo.js';
import { LocalIds } from './ops.js';
import { COLUMN_OF, type DbRow, findKey, fromDb, type JournalRow, type JournalStats, LISTED_FIRST, type NewJournalRow, toParams } from './journal-rows.js';

export type { JournalRow, JournalState, JournalStats, NewJournalRow } from './journal-rows.js';

/** What update() may keep back from a row still `open`: its attributes, which no query selects by. */
type Deferrable = 'mtime' | 'userMeta';
const DEFERRABLE: ReadonlySet<string> = new Set<Deferrable>(['mtime', 'userMeta']);

/** Rows find and get keep between changes: far more than the names a burst of ops looks up. */
const MEMO_ROWS = 1024;

const PENDING = "state IN ('dirty', 'uploading')";

export class Journal {
  private readonly q: Record<'insert' | 'get' | 'remove' | 'rekeyParent' | 'inDir' | 'find' | 'findAll' | 'any' | 'pending' | 'pendingFirst' | 'failedFirst' | 'pendingVolumes' | 'dirtyByDue' | 'makeDue' | 'open' | 'stagingPaths' | 'stats', Statement>;
  /**
   * stats() as of the last change: writers ask before every write (the dirty-bytes bound), and the
   * query sums the whole journal. Every change goes through this class; add, update and remove
   * carry the copy over (statsAfter) or drop it (makeDue moves only due times, which the stats do not count).
   */
  private statsMemo: JournalStats | undefined;
  /** Whether any row is not done, as of the last change (same rule as statsMemo). */
  private anyMemo: boolean | undefined;
  /**
   * What find and get answered since the last change (same rule as statsMemo), null for no row: a
   * FUSE op resolves its path several times, each time looking the name up here. At most MEMO_ROWS; callers get copies.
   */
  private readonly foundMemo = new Map<string, JournalRow | null>();
  private readonly byIdMemo = new Map<number, JournalRow | null>();
  /** Inside batch(): the stats its changes lead to (undefined once they cannot be followed). */
  private batchStats: JournalStats | undefined;
  private batching = false;
  /**
   * Attribute changes of rows still `open` that are not written yet (see update()), by row id. An
   * open row never outlives a restart as a file (start-up moves its content to the recovery folder),
   * so until its commit what it holds beyond its name and staging path is only read here.
   */
  private readonly unwritten = new Map<number, Pick<Partial<JournalRow>, Deferrable>>();
  /** The name and folder keys of the rows not done: find and inDir answer one no row has without a query. */
  private readonly names: JournalNameKeys;
  /** UPDATE statements by the fields they set (a handful of shapes: commit, upload state, attributes, rename). */
  private readonly updates = new Map<string, Statement>();
  /** Changes made outside a transaction, held for SQLite (shared by every Journal of this database). */
  private readonly redo: JournalRedo;
  /** Bumped by every change to any row: a row read from here is current while it stays the same. */
  version = 0;
  /** A row's folder is written with the PDS id it has now. */
  private readonly localIds: LocalIds;

  /** `now` is the clock for createdAt/updatedAt (epoch ms). */
  constructor(private readonly cache: CacheDb, private readonly now: () => number = Date.now) {
    const db = cache.db;
    // Before anything reads the table: what a run that stopped left in the redo file.
    this.redo = JournalRedo.of(cache);
    LocalIds.moveJournalRows(cache);
    this.localIds = LocalIds.of(cache);
    // INDEXED BY, as in nodes.ts: the planner would otherwise walk the rowid order of the whole journal.
    this.q = {
      insert: db.prepare(
        `INSERT INTO journal (id, volume, parent_id, name, name_nfc, staging_path, size, mtime, sha1, state, replace_id,
           base, session, user_meta, attempts, last_error, not_before, wait_op, expect_revision, created_at, updated_at)
         VALUES (@id, @volume, @parentId, @name, @nameNfc, @stagingPath, @size, @mtime, @sha1, @state, @replaceId,
           @base, @session, @userMeta, @attempts, @lastError, @notBefore, @waitOp, @expectRevision, @createdAt, @updatedAt)`,
      ),
      get: db.prepare('SELECT * FROM journal WHERE id = ?'),
      remove: db.prepare('DELETE FROM journal WHERE id = ?'),
      rekeyParent: db.prepare('UPDATE journal SET parent_id = ? WHERE volume = ? AND parent_id = ?'),
      inDir: db.prepare("SELECT * FROM journal INDEXED BY journal_by_dir WHERE volume = ? AND parent_id = ? AND state != 'done' ORDER BY id"),
      find: db.prepare(
        "SELECT * FROM journal INDEXED BY journal_by_dir WHERE volume = ? AND parent_id = ? AND name_nfc = ? AND state != 'done' ORDER BY id DESC LIMIT 1",
      ),
      findAll: db.prepare(
        "SELECT * FROM journal INDEXED BY journal_by_dir WHERE volume = ? AND parent_id = ? AND name_nfc = ? AND state != 'done' ORDER BY id DESC",
      ),
      any: db.prepare("SELECT EXISTS (SELECT 1 FROM journal WHERE state != 'done')").pluck(),
      pending: db.prepare(`SELECT * FROM journal WHERE ${PENDING} ORDER BY not_before, id`),
      pendingFirst: db.prepare(`SELECT * FROM journal WHERE ${PENDING} ORDER BY state = 'uploading' DESC, not_before, id LIMIT ?`),
      failedFirst: db.prepare("SELECT * FROM journal WHERE state = 'failed' ORDER BY id LIMIT ?"),
      // In index order, unsorted: the first row comes without reading (and sorting) the rest.
      pendingVolumes: db.prepare(`SELECT volume FROM journal INDEXED BY journal_by_state WHERE ${PENDING}`).pluck(),
      dirtyByDue: db.prepare("SELECT * FROM journal INDEXED BY journal_by_state WHERE state = 'dirty' ORDER BY not_before, id"),
      makeDue: db.prepare("UPDATE journal SET not_before = 0 WHERE state = 'dirty' AND not_before > ? AND attempts = 0"),
      open: db.prepare("SELECT * FROM journal WHERE state = 'open' ORDER BY id"),
      stagingPaths: db.prepare('SELECT staging_path FROM journal').pluck(),
      stats: db.prepare(
        `SELECT COALESCE(SUM(${PENDING}), 0) AS pendingFiles,
                COALESCE(SUM(CASE WHEN ${PENDING} THEN size ELSE 0 END), 0) AS pendingBytes,
                COALESCE(SUM(state = 'failed'), 0) AS failedFiles
         FROM journal`,
      ),
    };
    this.names = new JournalNameKeys(cache, () => this.redo.commit());
  }

  add(row: NewJournalRow): JournalRow {
    const at = this.now();
    const full: Omit<JournalRow, 'id'> = {
      ...row, parentId: this.localIds.current(row.parentId), session: row.session ?? null, base: row.base ?? null, userMeta: row.userMeta ?? null, waitOp: row.waitOp ?? 0,
      expectRevision: row.expectRevision ?? null, attempts: 0, lastError: null, createdAt: at, updatedAt: at,
    };
    const stats = this.statsAfter(undefined, full);
    this.statsMemo = undefined;
    const id = this.redo.newId();
    if (this.cache.db.inTransaction) this.q.insert.run({ ...toParams(full), id });
    else this.redo.record(id, { id, ...full });
    this.changed(id, undefined, full);
    this.names.changed(undefined, full, this.batching);
    this.statsMemo = stats;
    return { id, ...full };
  }

  get(id: number): JournalRow | undefined {
    return this.memo(this.byIdMemo, id, () => {
      const held = this.redo.held.get(id);
      if (held !== undefined) return held ?? undefined;
      const r = this.q.get.get(id) as DbRow | undefined;
      return r && fromDb(r);
    });
  }

  /**
   * Applies `changes`; updatedAt defaults to now. Throws ENOENT for an unknown id. Outside a
   * transaction the row's new state goes to the redo file. Inside one only the columns changed are
   * written: an index whose columns are not set is left alone, so a commit dirties fewer pages
   * (fewer WAL frames, rarer checkpoints). The read and the write run with no await between them,
   * so nothing else changes the row meanwhile.
   * Attributes alone (mtime, userMeta) of a row still `open` are kept in memory instead and written
   * by its next write (the commit of its close): reads here see them, and a restart loses nothing
   * by their absence, since it keeps no open row as a file.
   */
  update(id: number, changes: Partial<Omit<JournalRow, 'id'>>): JournalRow {
    const current = this.get(id);
    if (!current) throw new VfsError('ENOENT', `journal row ${id} does not exist`);
    // Keys present but undefined keep their value (null is how a column is cleared).
    if (changes.parentId !== undefined) changes = { ...changes, parentId: this.localIds.current(changes.parentId) };
    const given = Object.keys(changes).filter((k) => k in COLUMN_OF && k !== 'updatedAt' && changes[k as keyof typeof changes] !== undefined);
    const next: JournalRow = { ...current, ...Object.fromEntries(given.map((k) => [k, changes[k as keyof typeof changes]])), id, updatedAt: changes.updatedAt ?? this.now() };
    if (current.state === 'open' && !this.cache.db.inTransaction && given.every((k) => DEFERRABLE.has(k))) {
      // A chmod or utimens of a file still being written (rsync's fchmod of its new temporary
      // file): kept until the commit that closes it, which writes it with the rest (a commit fewer).
      this.unwritten.set(id, { ...this.unwritten.get(id), ...Object.fromEntries(given.map((k) => [k, next[k as Deferrable]])) });
      this.changed(id, current, next);
      return next;
    }
    const stats = this.statsAfter(current, next);
    this.statsMemo = undefined;
    this.changed(id, current, next);
    if (this.cache.db.inTransaction) this.write(id, next, given);
    else this.redo.record(id, next);
    this.unwritten.delete(id);
    this.names.changed(current, next, this.batching);
    this.statsMemo = stats;
    return next;
  }

  /** Writes the fields `given` of a change made inside a transaction, with what was kept back (current has it already). */
  private write(id: number, next: JournalRow, given: string[]): void {
    const kept = this.unwritten.get(id);
    const set = kept ? [...new Set([...Object.keys(kept), ...given])] : given;
    const all = toParams(next);
    const params: Record<string, unknown> = { id, updatedAt: next.updatedAt };
    for (const key of set) params[key] = all[key];
    if (set.includes('name')) params.nameNfc = all.nameNfc;
    this.updateStatement(Object.keys(params)).run(params);
  }

  private updateStatement(keys: string[]): Statement {
    const shape = keys.join(',');
    let stmt = this.updates.get(shape);
    if (!stmt) {
      const set = keys.filter((k) => k !== 'id').map((k) => `${k === 'nameNfc' ? 'name_nfc' : COLUMN_OF[k as keyof typeof COLUMN_OF]} = @${k}`);
      stmt = this.cache.db.prepare(`UPDATE journal SET ${set.join(', ')} WHERE id = @id`);
      this.updates.set(shape, stmt);
    }
    return stmt;
  }

  remove(id: number): void {
    const row = this.get(id);
    this.unwritten.delete(id);
    const stats = this.keptStats() && this.statsAfter(row, undefined);
    this.statsMemo = undefined;
    this.changed(id, row, undefined);
    if (this.cache.db.inTransaction) this.q.remove.run(id);
    else this.redo.record(id, null);
    this.names.changed(row, undefined, this.batching);
    this.statsMemo = stats;
  }

  /** A folder made offline got its PDS id: rows waiting to go into it now name that id. */
  rekeyParent(volume: string, from: string, to: string): void {
    this.statsMemo = undefined;
    this.anyMemo = undefined;
    this.forgetRows();
    this.names.forget();
    this.redo.commit();
    this.q.rekeyParent.run(to, volume, from);
  }

  /**
   * False when no row is waiting, open or failed: then no lookup needs the journal's overlay, which
   * spares two queries per path segment of every stat.
   */
  hasRows(): boolean {
    if (this.cache.db.inTransaction) return this.q.any.get() === 1;
    if (this.anyMemo === undefined) {
      for (const row of this.redo.held.values()) if (row && row.state !== 'done') return (this.anyMemo = true);
      this.redo.commit();
      this.anyMemo = this.q.any.get() === 1;
    }
    return this.anyMemo;
  }

  /** Rows of a directory that are not done (overlay for readdir/stat). */
  inDir(volume: string, parentId: string): JournalRow[] {
    if (!this.names.mayHaveIn(volume, parentId)) return [];
    const { held } = this.redo;
    const rows = (this.q.inDir.all(volume, parentId) as DbRow[]).filter((r) => !held.has(r.id)).map((r) => this.fromDb(r));
    if (held.size === 0) return rows;
    for (const row of this.heldIn(volume, parentId)) rows.push(this.withKept(row));
    return rows.sort((a, b) => a.id - b.id);
  }

  /** The rows held for SQLite (the redo's) that are not done, of one folder. */
  private *heldIn(volume: string, parentId: string): Generator<JournalRow> {
    for (const row of this.redo.held.values()) if (row && row.state !== 'done' && row.volume === volume && row.parentId === parentId) yield row;
  }

  /** The newest row that is not done for this name (NFC match). */
  find(volume: string, parentId: string, name: string): JournalRow | undefined {
    const key = findKey(volume, parentId, name);
    return this.memo(this.foundMemo, key, () => (this.names.mayHave(key) ? this.newestNamed(volume, parentId, name) : undefined));
  }

  /** The newest row not done of this name, among those held and the table's (a row held is newer than its copy in the table). */
  private newestNamed(volume: string, parentId: string, name: string): JournalRow | undefined {
    const nfc = nameKey(name);
    const { held } = this.redo;
    if (held.size === 0) {
      const r = this.q.find.get(volume, parentId, nfc) as DbRow | undefined;
      return r && fromDb(r);
    }
    let newest: JournalRow | undefined;
    for (const row of this.heldIn(volume, parentId)) if ((!newest || row.id > newest.id) && nameKey(row.name) === nfc) newest = row;
    for (const r of this.q.findAll.iterate(volume, parentId, nfc) as IterableIterator<DbRow>) {
      if (newest && r.id < newest.id) break;
      if (held.has(r.id)) continue;
      newest = fromDb(r);
      break;
    }
    return newest;
  }

  /** A row as read, with the attributes kept back from it (update()). */
  private fromDb(r: DbRow): JournalRow {
    return this.withKept(fromDb(r));
  }

  private withKept(row: JournalRow): JournalRow {
    const kept = this.unwritten.size > 0 ? this.unwritten.get(row.id) : undefined;
    return kept ? { ...row, ...kept } : { ...row };
  }

  private memo<K>(memo: Map<K, JournalRow | null>, key: K, read: () => JournalRow | undefined): JournalRow | undefined {
    let row = memo.get(key);
    if (row === undefined) {
      const found = read();
      row = found ? this.withKept(found) : null;
      // Inside a transaction the answer could still be rolled back: not kept. What was kept before
      // still holds there: the transaction's own changes forgot what they touched (changed()).
      if (this.cache.db.inTransaction) return row ?? undefined;
      if (memo.size >= MEMO_ROWS) memo.clear();
      memo.set(key, row);
    }
    return row ? { ...row } : undefined;
  }

  /** Rows to (re)upload: state dirty/uploading, ordered by notBefore. */
  pending(): JournalRow[] {
    this.redo.commit();
    return (this.q.pending.all() as DbRow[]).map((r) => this.fromDb(r));
  }

  /**
   * The volume of each row to (re)upload, in no order, read lazily for a caller that may stop early
   * (an ordered read sorts every pending row before the first comes). Run no other statement on this
   * database until the loop ends.
   */
  *pendingVolumes(): IterableIterator<string> {
    this.redo.commit();
    for (const v of this.q.pendingVolumes.iterate()) yield v as string;
  }

  /**
   * Rows waiting for upload, soonest due first, read lazily so a caller that stops early does not
   * load the whole queue. Run no other statement on this database until the loop ends.
   */
  *dirtyByDue(): IterableIterator<JournalRow> {
    this.redo.commit();
    for (const r of this.q.dirtyByDue.iterate()) yield this.fromDb(r as DbRow);
  }

  /** Makes every row still waiting for its write-back delay (not for a retry) due now. */
  makeDue(now: number): void {
    this.forgetRows();
    this.redo.commit();
    this.q.makeDue.run(now);
  }

  /**
   * The first `limit` rows waiting for upload or failed (LISTED_FIRST), for a status: held rows are read
   * where they are, so a status polled during an rsync neither forces commits nor reads the whole queue.
   */
  firstRows(kind: 'pending' | 'failed', limit: number): JournalRow[] {
    const { held } = this.redo;
    const { has, order } = LISTED_FIRST[kind];
    const rows = (this.q[kind === 'pending' ? 'pendingFirst' : 'failedFirst'].all(limit + held.size) as DbRow[]).filter((r) => !held.has(r.id)).map((r) => this.fromDb(r));
    for (const row of held.values()) if (row && has(row)) rows.push(this.withKept(row));
    return rows.sort(order).slice(0, limit);
  }

  /** Rows whose content was never committed (a writer had them open). */
  openRows(): JournalRow[] {
    this.redo.commit();
    return (this.q.open.all() as DbRow[]).map((r) => this.fromDb(r));
  }

  /** The staging file of every row: at start-up, anything else in the staging folder is left over. */
  stagingPaths(): string[] {
    this.redo.commit();
    return this.q.stagingPaths.all() as string[];
  }

  /**
   * Runs `fn` (changes to the journal and the rest of the cache) as one transaction. The stats kept
   * follow the changes made in it and stand once it commits (every upload ends with one); a change
   * rolled back in a savepoint inside while the batch commits would be miscounted, and nothing in a
   * batch catches one.
   */
  batch<T>(fn: () => T): T {
    if (this.cache.db.inTransaction) return this.cache.batch(fn);
    this.batchStats = this.statsMemo;
    this.batching = true;
    try {
      const result = this.cache.batch(fn);
      this.statsMemo = this.batchStats;
      this.names.committed();
      return result;
    } finally {
      this.batching = false;
      this.batchStats = undefined;
      this.names.batchEnded();
    }
  }

  /** Resolves once every change so far survives power loss (one fsync shared by concurrent callers). */
  durable(): Promise<void> {
    return this.cache.durable();
  }

  /**
   * The stats once a change of one row from `prev` to `next` (undefined: no row) has committed, when
   * they are kept and the change commits on its own; undefined otherwise (inside a transaction it
   * could still be rolled back). Writers ask before every write, and the query sums the whole
   * journal, which grows while uploads lag behind an rsync.
   */
  private statsAfter(prev: Pick<JournalRow, 'state' | 'size'> | undefined, next: Pick<JournalRow, 'state' | 'size'> | undefined): JournalStats | undefined {
    const kept = this.keptStats();
    if (!kept) {
      this.batchStats = undefined;
      return undefined;
    }
    const stats = { ...kept };
    for (const [row, sign] of [[prev, -1], [next, 1]] as const) {
      if (!row) continue;
      // As PENDING counts them.
      if (row.state === 'dirty' || row.state === 'uploading') {
        stats.pendingFiles += sign;
        stats.pendingBytes += sign * row.size;
      }
      if (row.state === 'failed') stats.failedFiles += sign;
    }
    if (!this.cache.db.inTransaction) return stats;
    this.batchStats = stats;
    return undefined;
  }

  /** The stats a change starts from: those kept, or inside a batch those its changes so far lead to. */
  private keptStats(): JournalStats | undefined {
    if (!this.cache.db.inTransaction) return this.statsMemo;
    return this.batching ? this.batchStats : undefined;
  }

  /**
   * Brings the memos up to date with one row changing from `prev` to `next` (undefined: no row),
   * touching nothing else: the uploads finishing beside an rsync change a row each, and forgetting
   * every memo then made the rsync's own lookups read the journal again. Inside a transaction what
   * changed is only forgotten (it could still be rolled back).
   */
  private changed(id: number, prev: JournalRow | Omit<JournalRow, 'id'> | undefined, next: Omit<JournalRow, 'id'> | undefined): void {
    this.version++;
    const kept = !this.cache.db.inTransaction;
    const live = next && next.state !== 'done' ? { ...next, id } : undefined;
    this.anyMemo = live && kept ? true : undefined;
    if (live && kept) this.remember(this.byIdMemo, id, live);
    else this.byIdMemo.delete(id);
    const before = prev && findKey(prev.volume, prev.parentId, prev.name);
    const after = next && findKey(next.volume, next.parentId, next.name);
    if (before !== undefined && before !== after) this.foundMemo.delete(before);
    if (after === undefined) return;
    // The newest row of its name stays so after a change (rows only get higher ids): a new row is, an
    // updated one is when find said so.
    const newest = prev === undefined || this.foundMemo.get(after)?.id === id;
    if (live && kept && newest) this.remember(this.foundMemo, after, live);
    else this.foundMemo.delete(after);
  }

  private remember<K>(memo: Map<K, JournalRow | null>, key: K, row: JournalRow): void {
    if (memo.size >= MEMO_ROWS && !memo.has(key)) memo.clear();
    memo.set(key, { ...row });
  }

  private forgetRows(): void {
    this.version++;
    this.foundMemo.clear();
    this.byIdMemo.clear();
  }

  /** Pending means dirty or uploading; rows still `open` are not counted. */
  stats(): JournalStats {
    // Inside a transaction the answer could still be rolled back: not kept.
    if (this.cache.db.inTransaction) return { ...(this.q.stats.get() as JournalStats) };
    if (!this.statsMemo) {
      this.redo.commit();
      this.statsMemo = this.q.stats.get() as JournalStats;
    }
    return { ...this.statsMemo };
  }
}
