// The name keys (findKey) of the journal's rows not done, with how many rows have each, or more
// (never fewer): the journal's find answers a name no row has without a query, and an rsync'd file
// asks for two (its temporary name when it is created, its final one when it is renamed). Read whole
// when first needed outside a transaction; then a row taking a key counts it at once, and one giving
// it up uncounts it once that is committed (a batch's at its commit; inside another store's
// transaction the keys are dropped, to be read again).
import type { Statement } from 'better-sqlite3';
import type { CacheDb } from './db.js';
import { findKey, type JournalRow } from './journal-rows.js';

type RowName = Pick<JournalRow, 'volume' | 'parentId' | 'name' | 'state'>;

export class JournalNameKeys {
  private names: Map<string, number> | undefined;
  /** Keys the rows changed in the batch under way gave up: uncounted when it commits. */
  private uncounted: string[] = [];
  private readonly all: Statement;

  /** `commitHeld`: brings the table up to date before it is read whole (the journal's redo). */
  constructor(private readonly cache: CacheDb, private readonly commitHeld: () => void) {
    this.all = cache.db.prepare("SELECT volume, parent_id, name_nfc FROM journal WHERE state != 'done'").raw();
  }

  /** Whether a row not done may have this key (false: none has). */
  mayHave(key: string): boolean {
    if (!this.names) {
      // Inside a transaction the rows read could still be rolled back: not kept.
      if (this.cache.db.inTransaction) return true;
      this.commitHeld();
      const names = new Map<string, number>();
      for (const [volume, parentId, nfc] of this.all.iterate() as IterableIterator<[string, string, string]>) {
        const k = `${volume}\0${parentId}\0${nfc}`;
        names.set(k, (names.get(k) ?? 0) + 1);
      }
      this.names = names;
    }
    return this.names.has(key);
  }

  /**
   * A row changed from `prev` to `next` (undefined: no row), once written; `batching`: inside the
   * journal's own batch, whose commit calls committed().
   */
  changed(prev: RowName | undefined, next: RowName | undefined, batching: boolean): void {
    const names = this.names;
    if (!names) return;
    const before = prev && prev.state !== 'done' ? findKey(prev.volume, prev.parentId, prev.name) : undefined;
    const after = next && next.state !== 'done' ? findKey(next.volume, next.parentId, next.name) : undefined;
    if (before === after) return;
    if (after !== undefined) names.set(after, (names.get(after) ?? 0) + 1);
    if (before === undefined) return;
    if (!this.cache.db.inTransaction) this.uncount(before);
    else if (batching) this.uncounted.push(before);
    else this.names = undefined;
  }

  /** The journal's batch committed: the keys its rows gave up go. */
  committed(): void {
    for (const key of this.uncounted) this.uncount(key);
  }

  /** The journal's batch ended, committed or not. */
  batchEnded(): void {
    this.uncounted = [];
  }

  /** Rows changed in a way not followed key by key: read them again when next needed. */
  forget(): void {
    this.names = undefined;
  }

  private uncount(key: string): void {
    const n = this.names?.get(key);
    if (n === undefined) return;
    if (n > 1) this.names!.set(key, n - 1);
    else this.names!.delete(key);
  }
}
