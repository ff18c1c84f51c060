// A thin wrapper over better-sqlite3 that prepares each SQL text once.
import type Database from 'better-sqlite3';
import type { Db } from './db.js';

type Params = unknown[];

export class Sql {
  private readonly statements = new Map<string, Database.Statement>();
  /** Statements of allRows, in raw mode, with their column names. */
  private readonly rawStatements = new Map<string, { stmt: Database.Statement; names: string[] }>();

  /** One transaction wrapper for every tx(): better-sqlite3 builds a new one per db.transaction() call. */
  private readonly inTx: (fn: () => unknown) => unknown;

  constructor(readonly db: Db) {
    this.inTx = db.transaction((fn: () => unknown) => fn());
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  get<T>(sql: string, ...params: Params): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: Params): T[] {
    return this.stmt(sql).all(...params) as T[];
  }

  /**
   * What all() returns, with each row built here from its raw values: for wide rows (a page of
   * `SELECT *` from files, 26 columns) better-sqlite3's own row objects cost about twice the query.
   */
  allRows<T>(sql: string, ...params: Params): T[] {
    let raw = this.rawStatements.get(sql);
    if (!raw) {
      const stmt = this.db.prepare(sql).raw(true);
      raw = { stmt, names: stmt.columns().map((c) => c.name) };
      this.rawStatements.set(sql, raw);
    }
    const { names } = raw;
    return (raw.stmt.all(...params) as unknown[][]).map((values) => {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
      return row as T;
    });
  }

  run(sql: string, ...params: Params): Database.RunResult {
    return this.stmt(sql).run(...params);
  }

  /** Runs fn in one transaction (nested calls become savepoints). */
  tx<T>(fn: () => T): T {
    return this.inTx(fn) as T;
  }
}
