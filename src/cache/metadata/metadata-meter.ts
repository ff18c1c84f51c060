// What the metadata store did, counted for tests and the status page.

/**
 * What the metadata cache did, counted (never timed) for tests and status: name lookups, pages of
 * children read, batches of changes applied, and the rows of listing pages currently held (with
 * their peak), which is what a listing keeps in memory.
 */
export class MetadataMeter {
  lookups = 0;
  pages = 0;
  /** Pages of a listing from the server stored. */
  storedPages = 0;
  /** Transactions that stored the listing writes queued in a turn of the event loop (afterTurn). */
  turnCommits = 0;
  batches = 0;
  rowsHeld = 0;
  peakRowsHeld = 0;

  hold(rows: number): void {
    this.rowsHeld += rows;
    if (this.rowsHeld > this.peakRowsHeld) this.peakRowsHeld = this.rowsHeld;
  }

  release(rows: number): void {
    this.rowsHeld -= rows;
  }

  snapshot(): { lookups: number; pages: number; storedPages: number; turnCommits: number; batches: number; rowsHeld: number; peakRowsHeld: number } {
    return { lookups: this.lookups, pages: this.pages, storedPages: this.storedPages, turnCommits: this.turnCommits, batches: this.batches, rowsHeld: this.rowsHeld, peakRowsHeld: this.peakRowsHeld };
  }
}
