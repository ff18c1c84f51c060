// Block buffers and who holds them. A buffer is held by the memory tier and by a pending disk
// write; once neither does, a full-size one is kept as a spare and the next blocks are filled into
// it. Spares count against the cache's memory budget like any held buffer, and the cache drops them
// first when it needs room (dropSpare), so they are not capped here: a cold read of a large file
// then allocates only as many buffers as it ever holds at once, and reuses them to the end (no
// page faults, no garbage, no RSS growth beyond the budget).
//
// Full-size buffers are made over a SharedArrayBuffer, which V8 leaves out of its external-memory
// count (only unshared backing stores are charged to the isolate). That count decides when V8 runs
// a full collection: every ~10 MB it grows by since the last one. Charged, each 4 MiB block buffer
// the first fill of the memory tier makes moved V8 a quarter of the way to the next full
// collection, and a 1 GiB cold read paid 11–16 of them against the minimal cache loop's 2–3
// (docs/benchmarks.md, session 12 of the cold read). These buffers are bounded by the cache's own
// budget and freed by it, not by collections, so the count would only mislead V8.
//
// Reuse is safe because nothing else keeps a block buffer past a synchronous step: readers copy out
// of it at once (from the memory tier, from a pending disk write, or when it lands).

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
    if (size !== this.blockSize) return Buffer.allocUnsafeSlow(size);
    const spare = this.spares.pop();
    if (spare) return spare;
    return Buffer.from(new SharedArrayBuffer(size));
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
    if (data.length === this.blockSize && !this.spares.includes(data)) this.spares.push(data);
  }
}
