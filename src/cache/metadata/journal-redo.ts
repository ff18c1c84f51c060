// The journal's changes made outside a transaction, each acknowledged by one append to a redo file
// next to the cache database and written to SQLite later, many in one transaction. A commit of its
// own per change cost 50–160 µs of the caller's thread (more under load), mostly SQLite's locking of
// the -shm file (six fcntl and two pwrite per transaction); one write(2) of the row's after-image
// survives kill -9 just as a WAL frame does (both are in the kernel's page cache once it returns).
//
// A record is one line: JSON of [sequence number, row id, the row's columns (toParams) or null for
// "deleted"]. Every transaction on the database first writes what is held (CacheDb.beforeWrites),
// so what a caller's transaction changes is never older than what is held. A commit of held changes
// also stores the sequence number of the last (settings table, in the same transaction), and then
// cuts the file to nothing; replay applies only records numbered above it, so a file whose cut the
// disk never saw (power loss) cannot bring back changes older than the table's, and a record applied
// twice changes nothing. On open, before anything reads the journal, the file is replayed; a last
// line without its newline (kill -9 in the middle of the write) is ignored, and so is everything from
// a line that does not parse (the unsynced tail of a power loss). Power loss: CacheDb.durable()
// commits what is held and fsyncs the WAL, which then has it all.
import fs from 'node:fs';
import type { Statement, Transaction } from 'better-sqlite3';
import type { CacheDb, HeldChanges } from './db.js';
import { COLUMN_OF, type JournalRow, toParams } from './journal-rows.js';

/** Held changes past which they are committed at once (a burst of thousands would otherwise wait for the timer). */
const MAX_HELD = 512;
/** How long a change waits in the file before it is committed with the others (an rsync makes a few hundred a second). */
const HELD_MS = 200;

/** Every column but the id, by its toParams name. */
const COLUMNS: readonly [param: string, column: string][] = [...Object.entries(COLUMN_OF), ['nameNfc', 'name_nfc']];

type RedoRecord = [seq: number, id: number, columns: { [k: string]: unknown } | null];

/** The settings key of the sequence number of the last record committed to the table. */
const APPLIED_KEY = 'journalRedoApplied';

export class JournalRedo implements HeldChanges {
  private static readonly byDb = new WeakMap<CacheDb, JournalRedo>();

  /** The redo of this database's journal, replayed into SQLite when first asked for. */
  static of(cache: CacheDb): JournalRedo {
    let redo = JournalRedo.byDb.get(cache);
    if (!redo) {
      redo = new JournalRedo(cache);
      JournalRedo.byDb.set(cache, redo);
    }
    return redo;
  }

  /**
   * After-images not committed to SQLite yet, by row id (null: deleted), for reads to see. The
   * objects are never handed out: readers copy.
   */
  readonly held = new Map<number, JournalRow | null>();
  /** Since open (tests count them): records appended, transactions that committed held rows, and the rows they committed. */
  appends = 0;
  commits = 0;
  committedRows = 0;
  private readonly fd: number;
  private readonly upsert: Statement;
  private readonly remove: Statement;
  /** Writes records into the table, and the sequence number of the last (inside a transaction). */
  private readonly writeAll: (records: Iterable<RedoRecord>) => void;
  private readonly commitAll: Transaction<(records: Iterable<RedoRecord>) => void>;
  private nextId: number;
  /** The sequence number of the last record appended (or replayed). */
  private seq: number;
  /** The file's length: what the records appended since it was last cut take. */
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly cache: CacheDb) {
    const db = cache.db;
    this.upsert = db.prepare(
      `INSERT INTO journal (id, ${COLUMNS.map(([, c]) => c).join(', ')}) VALUES (@id, ${COLUMNS.map(([p]) => `@${p}`).join(', ')})
       ON CONFLICT (id) DO UPDATE SET ${COLUMNS.map(([p, c]) => `${c} = @${p}`).join(', ')}`,
    );
    this.remove = db.prepare('DELETE FROM journal WHERE id = ?');
    const setApplied = db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
    this.writeAll = (records: Iterable<RedoRecord>) => {
      let last = 0;
      for (const [seq, id, columns] of records) {
        if (columns) this.upsert.run({ ...columns, id });
        else this.remove.run(id);
        last = Math.max(last, seq);
      }
      if (last > 0) setApplied.run(APPLIED_KEY, JSON.stringify(last));
    };
    this.commitAll = db.transaction(this.writeAll);
    const applied = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(APPLIED_KEY) as string | undefined;
    this.seq = applied === undefined ? 0 : (JSON.parse(applied) as number);
    this.fd = fs.openSync(`${cache.file}-redo`, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
    try {
      this.replay();
    } catch (err) {
      fs.closeSync(this.fd);
      throw err;
    }
    const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'journal'").pluck().get() as number | undefined;
    this.nextId = (seq ?? 0) + 1;
    cache.beforeWrites(this);
    cache.beforeClose(() => {
      this.commit();
      clearTimeout(this.timer);
      fs.closeSync(this.fd);
    });
  }

  /** The id of a new row: above every row SQLite has or had (AUTOINCREMENT's sequence) and every one held. */
  newId(): number {
    return this.nextId++;
  }

  /**
   * Records the row's state after a change (null: deleted) with one write; once this returns the
   * change survives kill -9. Never inside a transaction (it could still roll back).
   */
  record(id: number, row: JournalRow | null): void {
    const seq = this.seq + 1;
    const line = `${JSON.stringify([seq, id, row && toParams(row)] satisfies RedoRecord)}\n`;
    const length = Buffer.byteLength(line);
    let written = 0;
    try {
      written = fs.writeSync(this.fd, line);
      if (written !== length) throw Object.assign(new Error(`journal redo: wrote ${written} of ${length} bytes`), { code: 'ENOSPC' });
    } catch (err) {
      // A piece of a line would hide every record appended after it from replay: cut it off.
      if (written > 0) fs.ftruncateSync(this.fd, this.bytes);
      throw err;
    }
    this.bytes += length;
    this.seq = seq;
    this.appends++;
    this.held.set(id, row);
    if (this.held.size >= MAX_HELD) this.commit();
    else this.timer ??= setTimeout(() => this.commitLater(), HELD_MS).unref();
  }

  /** Commits what is held in one transaction and empties the file. A no-op when nothing is held. */
  commit(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.size === 0) return;
    // Inside a transaction the held changes could roll back with it, after the file was cut.
    if (this.cache.db.inTransaction) throw new Error('journal redo: held changes cannot be committed inside a transaction');
    this.commitAll.immediate(this.records());
    this.committed(this.held.size);
    this.held.clear();
  }

  /**
   * Writes what is held into the transaction beginning (CacheDb.batch): reads inside it find the
   * rows in the table; once it commits, the file is cut; if it rolls back, the rows are held again.
   * Nothing is recorded meanwhile (record() is never called inside a transaction).
   */
  writeInto(): { committed(): void; rolledBack(): void } | undefined {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.size === 0) return undefined;
    const rows = [...this.held];
    this.writeAll(this.records());
    this.held.clear();
    return {
      committed: () => this.committed(rows.length),
      rolledBack: () => {
        for (const [id, row] of rows) if (!this.held.has(id)) this.held.set(id, row);
        this.timer ??= setTimeout(() => this.commitLater(), HELD_MS).unref();
      },
    };
  }

  /** The held rows as records, all numbered as the last appended (replay skips them once that is applied). */
  private records(): RedoRecord[] {
    const seq = this.seq;
    return [...this.held].map(([id, row]) => [seq, id, row && toParams(row)] as RedoRecord);
  }

  /**
   * `rows` held rows are in the table for good: the file that had them is cut. A cut that fails
   * leaves records replay skips (numbered no higher than the table's), and must not fail the
   * caller's transaction, which has committed.
   */
  private committed(rows: number): void {
    this.commits++;
    this.committedRows += rows;
    try {
      fs.ftruncateSync(this.fd, 0);
      this.bytes = 0;
    } catch {
      // Cut at the next commit.
    }
  }

  private commitLater(): void {
    this.timer = undefined;
    try {
      this.commit();
    } catch {
      // A full disk, say: the changes stay in the file and in memory; the next change or read tries again.
      this.timer = setTimeout(() => this.commitLater(), HELD_MS * 5).unref();
    }
  }

  /** Applies what a run that stopped left in the file, then empties it. */
  private replay(): void {
    const text = fs.readFileSync(this.fd, 'utf8');
    if (text.length === 0) return;
    const records: RedoRecord[] = [];
    // The last piece has no newline: empty, or a write cut short.
    for (const line of text.split('\n').slice(0, -1)) {
      let record: RedoRecord;
      try {
        record = JSON.parse(line) as RedoRecord;
      } catch {
        break;
      }
      if (!Array.isArray(record) || typeof record[0] !== 'number' || typeof record[1] !== 'number') break;
      // Committed already (the file was not cut yet, or its cut was lost with the power).
      if (record[0] > this.seq) records.push(record);
    }
    for (const [seq] of records) this.seq = Math.max(this.seq, seq);
    this.commitAll.immediate(records);
    fs.ftruncateSync(this.fd, 0);
  }
}
