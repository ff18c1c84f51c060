// A thin wrapper over better-sqlite3 that prepares each SQL text once.
import type Database from 'better-sqlite3';
import type { Db } from './db.js';

type Params = unknown[];

export class Sql {
  private readonly statements = new Map<string, Database.Statement>();
  /** Statements of allRows, in raw mode, with the function that makes a row object of their values. */
  private readonly rawStatements = new Map<string, { stmt: Database.Statement; row: (values: unknown[]) => unknown }>();

  /** One transaction wrapper for every tx(): better-sqlite3 builds a new one per db.transaction() call. */
  private readonly inTx: (fn: () => unknown) => unknown;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  /** The open group transaction: settles once its COMMIT has run (or failed). */
  private group: { done: Promise<void>; settle: (err?: unknown) => void } | undefined;
  /** `onCommit`: called after each group's COMMIT (the server's stats count them). */
  constructor(readonly db: Db, private readonly onCommit: () => void = () => undefined) {
    this.inTx = db.transaction((fn: () => unknown) => fn());
    this.begin = db.prepare('BEGIN');
    this.commit = db.prepare('COMMIT');
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
   * `SELECT *` from files, 25 columns) better-sqlite3's own row objects cost about twice the query.
   * The row is one object literal made for the statement's columns, so every row has the same shape
   * from its start (setting 25 properties one by one on an empty object took about a third of the
   * page query again: 105 against 80 µs for a page of 19 rows).
   */
  allRows<T>(sql: string, ...params: Params): T[] {
    let raw = this.rawStatements.get(sql);
    if (!raw) {
      const stmt = this.db.prepare(sql).raw(true);
      const fields = stmt.columns().map((c, i) => `${JSON.stringify(c.name)}: v[${i}]`);
      // Column names from the statement's own schema, quoted as JSON strings: nothing else goes in.
      raw = { stmt, row: new Function('v', `return { ${fields.join(', ')} };`) as (values: unknown[]) => unknown };
      this.rawStatements.set(sql, raw);
    }
    return (raw.stmt.all(...params) as unknown[][]).map(raw.row) as T[];
  }

  run(sql: string, ...params: Params): Database.RunResult {
    return this.stmt(sql).run(...params);
  }

  /**
   * Runs fn atomically, as a savepoint of the group transaction: every tx() of one turn of the
   * event loop (the requests whose bytes arrived together) shares one COMMIT, run once the turn's
   * callbacks are done, instead of a commit each (a small-file upload made three; with eight
   * clients at once about 0.7 now). A tx() that throws undoes its own changes only. Not yet
   * durable when it returns: what reports a change waits for committed() first.
   */
  tx<T>(fn: () => T): T {
    if (!this.group && !this.db.inTransaction) this.openGroup();
    return this.inTx(fn) as T;
  }

  /**
   * Settles once every change made so far is committed; rejects if its COMMIT failed (the
   * changes are then gone). Answers wait for it, so none reports what a crash could still undo.
   */
  committed(): Promise<void> {
    return this.group?.done ?? COMMITTED;
  }

  /** Commits the open group now (before the database closes, or a file goes whose row went); throws if that failed. */
  flush(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    try {
      this.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.db.prepare('ROLLBACK').run();
      group.settle(err);
      throw err;
    }
    group.settle();
    this.onCommit();
  }

  private openGroup(): void {
    this.begin.run();
    let settle!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    // Nobody may be waiting (a change no answer reports): a failure is theirs to see, not a crash.
    done.catch(() => undefined);
    this.group = { done, settle };
    setImmediate(() => {
      try {
        this.flush();
      } catch {
        // Settled with the error: the answers waiting for this group report it.
      }
    });
  }
}

const COMMITTED = Promise.resolve();
