// The name keys (findKey) of the journal's rows not done, with how many rows have each, or more
// (never fewer): the journal's find answers a name no row has without a query, and an rsync'd file
// asks for two (its temporary name when it is created, its final one when it is renamed). The
// folders of those rows are counted the same way (folderKey): inDir answers a folder no row is in
// without a query, and a path resolved while uploads wait asks it of each folder on the way. Read
// whole when first needed outside a transaction; then a row taking a key counts it at once, and one
// giving it up uncounts it once that is committed (a batch's at its commit; inside another store's
// transaction the keys are dropped, to be read again).
import type { Statement } from 'better-sqlite3';
import type { CacheDb } from './db.js';
import { findKey, folderKey, type JournalRow } from './journal-rows.js';

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

  /** Whether a row not done may have this name key (false: none has). */
  mayHave(key: string): boolean {
    return this.known()?.has(key) ?? true;
  }

  /** Whether a row not done may be in this folder (false: none is). */
  mayHaveIn(volume: string, parentId: string): boolean {
    return this.known()?.has(folderKey(volume, parentId)) ?? true;
  }

  /** The keys counted, read whole when first needed; undefined inside a transaction. */
  private known(): Map<string, number> | undefined {
    if (!this.names) {
      // Inside a transaction the rows read could still be rolled back: not kept.
      if (this.cache.db.inTransaction) return undefined;
      this.commitHeld();
      const names = new Map<string, number>();
      const count = (k: string) => names.set(k, (names.get(k) ?? 0) + 1);
      for (const [volume, parentId, nfc] of this.all.iterate() as IterableIterator<[string, string, string]>) {
        count(`${volume}\0${parentId}\0${nfc}`);
        count(folderKey(volume, parentId));
      }
      this.names = names;
    }
    return this.names;
  }

  /**
   * A row changed from `prev` to `next` (undefined: no row), once written; `batching`: inside the
   * journal's own batch, whose commit calls committed().
   */
  changed(prev: RowName | undefined, next: RowName | undefined, batching: boolean): void {
    if (!this.names) return;
    const was = prev && prev.state !== 'done' ? prev : undefined;
    const is = next && next.state !== 'done' ? next : undefined;
    this.moved(was && findKey(was.volume, was.parentId, was.name), is && findKey(is.volume, is.parentId, is.name), batching);
    this.moved(was && folderKey(was.volume, was.parentId), is && folderKey(is.volume, is.parentId), batching);
  }

  /** One key of a changed row went from `before` to `after` (undefined: none). */
  private moved(before: string | undefined, after: string | undefined, batching: boolean): void {
    const names = this.names;
    if (!names || before === after) return;
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
