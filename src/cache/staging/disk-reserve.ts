// Keeps some space free on the cache disk: staged writes stop (ENOSPC) while there is still room for
// the metadata database, so deleting, renaming and draining uploads keep working on a full disk.
import fsp from 'node:fs/promises';

/** Free space kept for SQLite and bookkeeping. */
export const DEFAULT_RESERVE_BYTES = 16 * 1024 * 1024;
/** How long one statfs answer is trusted (our own writes are counted against it meanwhile). */
const RECHECK_MS = 250;

export class DiskFullError extends Error {
  readonly code = 'ENOSPC';
}

export class DiskReserve {
  private free = Infinity;
  private checkedAt = -Infinity;

  constructor(
    private readonly dir: string,
    readonly reserveBytes = DEFAULT_RESERVE_BYTES,
  ) {}

  /** Claims `bytes` of the space above the reserve; throws DiskFullError when there is not enough. */
  async claim(bytes: number): Promise<void> {
    if (Date.now() - this.checkedAt > RECHECK_MS) {
      const st = await fsp.statfs(this.dir).catch(() => undefined);
      this.free = st ? st.bavail * st.bsize : Infinity;
      this.checkedAt = Date.now();
    }
    if (this.free - bytes < this.reserveBytes) {
      throw new DiskFullError(`the cache disk is full: ${bytes} more bytes would leave less than ${this.reserveBytes} bytes free in ${this.dir}`);
    }
    this.free -= bytes;
  }
}
