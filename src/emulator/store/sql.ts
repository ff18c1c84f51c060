// A thin wrapper over better-sqlite3 that prepares each SQL text once.
import type Database from 'better-sqlite3';
import type { Db } from './db.js';

type Params = unknown[];

export class Sql {
  private readonly statements = new Map<string, Database.Statement>();

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

  run(sql: string, ...params: Params): Database.RunResult {
    return this.stmt(sql).run(...params);
  }

  /** Runs fn in one transaction (nested calls become savepoints). */
  tx<T>(fn: () => T): T {
    return this.inTx(fn) as T;
  }
}
