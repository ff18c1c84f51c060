// Name lookups of the metadata store kept while no row is written or removed: an rsync asks for
// each file's final name three times before it exists, and for the folders on the path of each op
// again whenever a new folder ended the resolver's memo of folders.

/** Lookups kept at most between two writes (a bound on memory; an rsync makes a few dozen between writes). */
const KEPT = 4096;

/** `T`: what a lookup answers (the store's cached entries). */
export class KeptLookups<T> {
  private writes = -1;
  private readonly found = new Map<string, readonly T[]>();

  /** The answer kept for `key` while the store's write count is still `writes`. */
  get(key: string, writes: number): readonly T[] | undefined {
    if (writes !== this.writes) {
      this.found.clear();
      this.writes = writes;
    }
    return this.found.get(key);
  }

  /** Keeps an answer read at the current write count (never one read inside a transaction, which could be rolled back). */
  keep(key: string, found: readonly T[]): void {
    if (this.found.size >= KEPT) this.found.clear();
    this.found.set(key, found);
  }
}
