// Block buffers and who holds them. A buffer is held by the memory tier and by a pending disk
// write; once neither does, a full-size one is kept as the spare and the next block is filled into
// it. Streaming a large file then reuses the same few buffers: no page faults, no garbage for the
// collector, no RSS growth beyond the budget.
//
// Reuse is safe because nothing else keeps a block buffer past a synchronous step: readers copy out
// of it at once (from the memory tier, from a pending disk write, or when it lands).

export class BlockBuffers {
  private spare: Buffer | undefined;
  private readonly holders = new Map<Buffer, number>();
  /** Bytes of the buffers someone holds. */
  private live = 0;

  constructor(readonly blockSize: number) {}

  /** Bytes of held buffers plus the spare one. */
  get bytes(): number {
    return this.live + (this.spare?.length ?? 0);
  }

  /** Bytes take(size) would reuse rather than allocate. */
  reusable(size: number): number {
    return this.spare && size === this.blockSize ? size : 0;
  }

  /** A buffer for `size` bytes, unheld: the spare one when it fits, else a new one. */
  take(size: number): Buffer {
    const spare = this.spare;
    if (spare && size === this.blockSize) {
      this.spare = undefined;
      return spare;
    }
    return Buffer.allocUnsafeSlow(size);
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
    if (data.length === this.blockSize && !this.spare) this.spare = data;
  }
}
