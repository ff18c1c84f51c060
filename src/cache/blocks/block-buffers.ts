// Block buffers and who holds them. A buffer is held by the memory tier and by a pending disk
// write; once neither does, a full-size one is kept as a spare (a few, as blocks leave the memory
// tier in bursts when their disk writes complete) and the next blocks are filled into them.
// Streaming a large file then reuses the same few buffers: no page faults, no garbage for the
// collector, no RSS growth beyond the budget.
//
// Reuse is safe because nothing else keeps a block buffer past a synchronous step: readers copy out
// of it at once (from the memory tier, from a pending disk write, or when it lands).

/** Spare buffers kept at most. */
const MAX_SPARES = 4;

export class BlockBuffers {
  private readonly spares: Buffer[] = [];
  private readonly holders = new Map<Buffer, number>();
  /** Bytes of the buffers someone holds. */
  private live = 0;

  constructor(readonly blockSize: number) {}

  /** Bytes of held buffers plus the spares. */
  get bytes(): number {
    return this.live + this.spares.length * this.blockSize;
  }

  /** Bytes take(size) would reuse rather than allocate. */
  reusable(size: number): number {
    return this.spares.length > 0 && size === this.blockSize ? size : 0;
  }

  /** A buffer for `size` bytes, unheld: a spare one when it fits, else a new one. */
  take(size: number): Buffer {
    if (size === this.blockSize) {
      const spare = this.spares.pop();
      if (spare) return spare;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Lets go of one spare, unless it is the one take(keepFor) would reuse; false when there is none to drop. */
  dropSpare(keepFor: number): boolean {
    if (this.spares.length <= (this.reusable(keepFor) > 0 ? 1 : 0)) return false;
    this.spares.pop();
    return true;
  }

  retain(data: Buffer): void {
    const n = this.holders.get(data) ?? 0;
    if (n === 0) this.live += data.length;
    this.holders.set(data, n + 1);
  }

  release(data: Buffer): void {
    const n = this.holders.get(data) ?? 0;
    if (n > 1) return void this.holders.set(data, n - 1);
    if (n === 1) {
      this.holders.delete(data);
      this.live -= data.length;
    }
    if (data.length === this.blockSize && this.spares.length < MAX_SPARES && !this.spares.includes(data)) this.spares.push(data);
  }
}
