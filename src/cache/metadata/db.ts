// The one SQLite file of the cache dir: metadata, listings, write journal and disk block index.
// WAL for concurrent readers; synchronous=FULL so every commit (above all the journal's) survives
// kill -9 and power loss once it returns.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export class CacheDb {
  private readonly closing: (() => void)[] = [];

  private constructor(readonly db: Database.Database, readonly file: string) {}

  /** Opens (creating if needed) and migrates the schema. Throws when the file was written by a newer pdsfs. */
  static open(file: string): CacheDb {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      migrate(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
    return new CacheDb(db, file);
  }

  /** Schema version of the open file. */
  get version(): number {
    return readVersion(this.db);
  }

  /**
   * Runs `fn` in a transaction committed with synchronous=NORMAL: no fsync of its own. For data that
   * is only a cache (the disk block index): power loss may drop such a commit, but never corrupts the
   * file, and the next FULL commit (a journal write) makes it durable too. Inside an outer
   * transaction `fn` simply joins it.
   */
  relaxed<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(fn)();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Registers a synchronous flush to run just before the database closes. */
  beforeClose(flush: () => void): void {
    this.closing.push(flush);
  }

  close(): void {
    if (!this.db.open) return;
    for (const flush of this.closing.splice(0)) flush();
    this.db.close();
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
