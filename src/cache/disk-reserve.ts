// The free space of the cache disk, shared by what writes there. Staged writes stop (ENOSPC) while
// there is still room for the metadata database, so deleting, renaming and draining uploads keep
// working on a full disk. Cached copies (the disk tier of the block cache) stay out of a headroom
// above that reserve and give their room back when a staged write needs it: content the user wrote
// comes before copies that can be fetched again.
import fsp from 'node:fs/promises';

/** Free space kept for SQLite and bookkeeping. */
export const DEFAULT_RESERVE_BYTES = 16 * 1024 * 1024;
/** How long one statfs answer is trusted (our own writes are counted against it meanwhile). */
const RECHECK_MS = 250;

export class DiskFullError extends Error {
  readonly code = 'ENOSPC';
}

/** Frees at least `bytes` of the disk if it can (by dropping cached copies); resolves the bytes freed. */
export type Reclaim = (bytes: number) => Promise<number>;

export class DiskReserve {
  private free = Infinity;
  private checkedAt = -Infinity;
  private reclaim: Reclaim | undefined;
  private unwritten: () => number = () => 0;

  constructor(
    private readonly dir: string,
    readonly reserveBytes = DEFAULT_RESERVE_BYTES,
  ) {}

  /** Sets what gives room back when a claim would fail (one reclaimer: the block cache's disk tier). */
  reclaimWith(reclaim: Reclaim): void {
    this.reclaim = reclaim;
  }

  /**
   * Claims `bytes` of the space above the reserve for content that must be kept: when it does not
   * fit, cached copies are dropped first; throws DiskFullError when there is still not enough.
   */
  async claim(bytes: number): Promise<void> {
    if (await this.tryClaim(bytes)) return;
    if (this.reclaim && (await this.reclaim(bytes + this.reserveBytes - this.free)) > 0 && (await this.tryClaim(bytes))) return;
    throw new DiskFullError(`${bytes} more bytes would leave less than ${this.reserveBytes} bytes free in ${this.dir}`);
  }

  /**
   * Claims `bytes` when at least the reserve plus `headroom` stays free after them; false otherwise.
   * A no is said on a fresh look at the disk only (room freed since the last look counts).
   */
  async tryClaim(bytes: number, headroom = 0): Promise<boolean> {
    const fits = () => this.free - bytes >= this.reserveBytes + headroom;
    if (Date.now() - this.checkedAt > RECHECK_MS || !fits()) await this.look();
    if (!fits()) return false;
    this.free -= bytes;
    return true;
  }

  /**
   * Sets what tells the bytes claimed and not on the disk yet (writes still to land), which a look at
   * the disk cannot see: without it, each look would give their room away again.
   */
  countUnwritten(bytes: () => number): void {
    this.unwritten = bytes;
  }

  /** Bytes that can still be claimed above the reserve, as of the last look at the disk (claims since counted). */
  roomLeft(): number {
    return Math.max(0, this.free - this.reserveBytes);
  }

  private async look(): Promise<void> {
    // Read first: bytes landing during the statfs are then counted twice, not missed.
    const unwritten = this.unwritten();
    const st = await fsp.statfs(this.dir).catch(() => undefined);
    this.free = st ? st.bavail * st.bsize - unwritten : Infinity;
    this.checkedAt = Date.now();
  }
}
