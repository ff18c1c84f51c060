// The one SQLite file of the cache dir: metadata, listings, write journal and disk block index.
// WAL with synchronous=NORMAL, like a local filesystem without fsync: a returned commit is in the WAL
// file (the kernel's page cache), so it survives kill -9 of pdsfs; durable() makes every commit so far
// survive power loss too (fsync, FUSE's fsync), with concurrent callers sharing one fsync.
// Checkpoints run on a connection of their own in a worker thread (checkpointer.ts), never inside a
// request's commit; one process owns the file (owner-lock.ts).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CHECKPOINTER_DEFAULTS, type CheckpointerOptions, WalCheckpointer } from './checkpointer.js';
import { takeOwnership } from './owner-lock.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

/** Changes a store acknowledged without a SQLite commit of their own (the journal's redo file). */
export interface HeldChanges {
  /** Commits them in a transaction of their own. */
  commit(): void;
  /**
   * Writes them into the transaction that is beginning (one commit for both); returns what to do
   * once it committed and once it rolled back, or undefined when nothing was held.
   */
  writeInto(): { committed(): void; rolledBack(): void } | undefined;
}

export class CacheDb {
  private readonly closing: (() => void)[] = [];
  private readonly held: HeldChanges[] = [];
  /** The fsync under way, and the one queued behind it for commits made meanwhile (group commit). */
  private syncing: Promise<void> | undefined;
  private nextSync: Promise<void> | undefined;
  /** fsyncs of the WAL so far (tests count them). */
  walSyncs = 0;
  /** Transactions of batch() rolled back so far: what is mirrored in memory from them is stale. */
  rollbacks = 0;

  /** reading()'s transaction, made once. */
  private readonly readTransaction: Database.Transaction<(fn: () => unknown) => unknown>;

  private constructor(
    readonly db: Database.Database,
    readonly file: string,
    private readonly release: () => void,
    readonly checkpointer: WalCheckpointer,
  ) {
    this.readTransaction = db.transaction((fn: () => unknown) => fn());
  }

  /**
   * Opens (creating if needed) and migrates the schema. Throws when another opener owns the file, or
   * when it was written by a newer pdsfs.
   */
  static open(file: string, checkpoints: CheckpointerOptions = CHECKPOINTER_DEFAULTS): CacheDb {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const release = takeOwnership(file);
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('wal_autocheckpoint = 0');
      migrate(db, file);
    } catch (err) {
      db?.close();
      release();
      throw err;
    }
    const opened = db;
    // Should the worker fail, SQLite's checkpoint on commit (its default size) takes over again,
    // and this connection's restarts cut the file back (the worker's did until then).
    const checkpointer = new WalCheckpointer(file, checkpoints, () => {
      if (!opened.open) return;
      opened.pragma('wal_autocheckpoint = 1000');
      opened.pragma('journal_size_limit = 0');
    });
    return new CacheDb(opened, file, release, checkpointer);
  }

  /** Schema version of the open file. */
  get version(): number {
    return readVersion(this.db);
  }

  /**
   * Runs `fn`, which only reads, in one read transaction (joining an outer one): its statements
   * share one lock of the database instead of each taking and dropping it (two fcntl calls apiece
   * on the -shm file; a lookup by key took 6.2 µs alone and 0.9 µs among others in one transaction
   * on this VM, the transaction itself about 10 µs: worth it from three reads). The connection
   * refuses writes meanwhile (query_only): a write here would join the read transaction, unlike
   * batch(), and could fail with SQLITE_BUSY.
   */
  reading<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    // exec, not a statement prepared once: SQLite applies a flag pragma as it prepares it, and
    // running it again does nothing (pragma() costs three times exec's 5 µs).
    this.db.exec('PRAGMA query_only = ON');
    try {
      return this.readTransaction.deferred(fn) as T;
    } finally {
      this.db.exec('PRAGMA query_only = OFF');
    }
  }

  /**
   * Runs `fn` in one transaction (joining an outer one): one commit for many rows. It takes the
   * write lock as it begins (BEGIN IMMEDIATE), waiting out the checkpointer's brief write if need
   * be: a transaction that read first and then wrote would fail at once with SQLITE_BUSY had that
   * write come in between (its snapshot is then stale, and SQLite cannot wait for that), which an
   * unlink in a large folder met about once in ten runs as EIO.
   */
  batch<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    // What a transaction changes is never older than what is held outside SQLite: that goes first,
    // in the same transaction (an upload's end was two commits, the held rows' and its own).
    const written: { committed(): void; rolledBack(): void }[] = [];
    let result: T;
    try {
      result = this.db.transaction(() => {
        for (const h of this.held) {
          const w = h.writeInto();
          if (w) written.push(w);
        }
        return fn();
      }).immediate();
    } catch (err) {
      this.rollbacks++;
      for (const w of written) w.rolledBack();
      throw err;
    }
    for (const w of written) w.committed();
    return result;
  }

  /**
   * Registers changes kept outside SQLite until they are committed in batches: written into every
   * transaction batch() begins, and committed on their own in durable() and at close.
   */
  beforeWrites(held: HeldChanges): void {
    this.held.push(held);
  }

  private commitHeld(): void {
    for (const h of this.held) h.commit();
  }

  /**
   * Resolves once every change made before the call survives power loss. What is held outside
   * SQLite is committed first. In WAL mode commits are appended to the -wal file and a checkpoint
   * fsyncs what it copies, so an fsync of the -wal file covers everything. Calls arriving during an
   * fsync share the next one.
   */
  durable(): Promise<void> {
    try {
      this.commitHeld();
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.syncing) {
      this.syncing = this.fsyncWal().finally(() => (this.syncing = undefined));
      return this.syncing;
    }
    this.nextSync ??= this.syncing.then(() => {
      this.nextSync = undefined;
      return this.durable();
    });
    return this.nextSync;
  }

  private async fsyncWal(): Promise<void> {
    const wal = await fsp.open(`${this.file}-wal`, 'r').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    if (!wal) return;
    try {
      this.walSyncs++;
      await wal.datasync();
    } finally {
      await wal.close();
    }
  }

  /** Registers a synchronous flush to run just before the database closes. */
  beforeClose(flush: () => void): void {
    this.closing.push(flush);
  }

  close(): void {
    if (!this.db.open) return;
    this.commitHeld();
    for (const flush of this.closing.splice(0)) flush();
    // The worker's connection goes first: the last connection to close checkpoints and removes the WAL.
    this.checkpointer.close();
    this.db.close();
    this.release();
  }
}

function readVersion(db: Database.Database): number {
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

function migrate(db: Database.Database, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const current = readVersion(db);
  // Refuse rather than rebuild: the journal may hold the only record of data not yet uploaded.
  if (current > SCHEMA_VERSION) {
    throw new Error(`${file} has cache schema version ${current}; this pdsfs knows up to ${SCHEMA_VERSION}. Use a newer pdsfs or another --cache-dir.`);
  }
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
  })();
}
