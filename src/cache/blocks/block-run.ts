// One ranged GET over consecutive blocks of a file, cut into blocks as the bytes arrive: readers of
// block k wake as soon as block k is complete, not when the transfer ends.
//
// A run fills only blocks it claimed (registered as loading, so every reader shares them), and it
// claims only up to a limit that its sequential readers push forward. At the limit it stops reading:
// TCP backpressure holds the server back, and the same GET goes on when the limit moves. It ends at
// the end of its range, at a block already held elsewhere, when closed (after filling what it
// claimed), or when left waiting at its limit for idleMs.
import { toVfsError, VfsError } from '../../core/errors.js';
import type { BlockSource, CachedFile } from './block-source.js';

/** 'held': cached or loading elsewhere. 'over-budget': the read-ahead budget is spent (never for forced claims). */
export type ClaimResult = 'claimed' | 'held' | 'over-budget';

/** The cache a run works for. */
export interface RunHost {
  readonly blockSize: number;
  claim(file: CachedFile, index: number, forced: boolean): ClaimResult;
  /**
   * A buffer for one block, charged to the memory budget until landed or given back; resolves once
   * there is room (blocks waiting for their disk write hold the run back).
   */
  allocate(size: number): Promise<Buffer>;
  /** A buffer from allocate that will not land. */
  giveBack(buf: Buffer): void;
  /** A claimed block is complete; its buffer passes to the cache. */
  land(file: CachedFile, index: number, data: Buffer): void;
  /** A claimed block will not be filled. */
  fail(file: CachedFile, index: number, err: VfsError): void;
  received(bytes: number): void;
}

export class BlockRun {
  /** Blocks [filling, next) are claimed and not landed yet. */
  private filling: number;
  private next: number;
  private limit: number;
  /** Met a block held elsewhere: claims nothing more. */
  private capped = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly idleMs: number;
  readonly done: Promise<void>;

  /**
   * Fetches blocks [first, last] at most (one GET), claiming first up to `limit` now; blocks up to
   * `forcedUpTo` are wanted by a reader and claimed regardless of the read-ahead budget.
   */
  constructor(
    private readonly host: RunHost,
    private readonly source: BlockSource,
    readonly file: CachedFile,
    readonly first: number,
    readonly last: number,
    opts: { limit: number; forcedUpTo: number; idleMs: number },
  ) {
    this.filling = this.next = first;
    this.limit = first - 1;
    this.idleMs = opts.idleMs;
    this.extend(opts.limit, opts.forcedUpTo);
    this.done = this.pump();
  }

  /** Whether this run can take block `index` next (it would continue its GET). */
  continuesAt(index: number): boolean {
    return !this.closed && !this.capped && this.next === index && index <= this.last;
  }

  /** Open, with nothing claimed: the GET is paused until a reader moves the limit. */
  get waiting(): boolean {
    return !this.closed && this.wake !== undefined;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Blocks claimed and not landed yet. */
  get pending(): number {
    return this.next - this.filling;
  }

  /** Moves the limit forward and claims blocks up to it (as far as the budget allows). */
  extend(limit: number, forcedUpTo = -1): void {
    if (this.closed) return;
    this.limit = Math.max(this.limit, Math.min(limit, this.last));
    while (!this.capped && this.next <= this.limit) {
      const claim = this.host.claim(this.file, this.next, this.next <= forcedUpTo);
      if (claim === 'over-budget') break;
      if (claim === 'held') this.capped = true;
      else this.next++;
    }
    this.wake?.();
  }

  /** Claims again up to the current limit (the read-ahead budget may have room now). */
  resume(): void {
    if (this.wake) this.extend(this.limit);
  }

  /** Claims nothing more; the GET ends once the blocks already claimed are filled. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  private async pump(): Promise<void> {
    let buf: Buffer | undefined;
    let at = 0;
    try {
      if (!(await this.allowance())) return;
      const bs = this.host.blockSize;
      const body = await this.source.open(this.file, this.first * bs, Math.min(this.file.size, (this.last + 1) * bs) - 1, this.abort.signal);
      // Leaving the loop early (return, throw) ends the source's iteration, and with it the GET.
      for await (const chunk of body) {
        this.host.received(chunk.length);
        for (let off = 0; off < chunk.length; ) {
          if (!buf) {
            if (this.filling > this.last) throw new VfsError('EIO', 'source sent more bytes than asked for');
            if (!(await this.allowance())) return;
            buf = await this.host.allocate(Math.min(bs, this.file.size - this.filling * bs));
            at = 0;
          }
          const n = chunk.copy(buf, at, off, Math.min(chunk.length, off + buf.length - at));
          at += n;
          off += n;
          if (at === buf.length) {
            const data = buf;
            buf = undefined;
            this.host.land(this.file, this.filling++, data);
          }
        }
      }
      if (this.filling < this.next) throw new VfsError('EIO', `short read from source: block ${this.filling} of ${this.file.fileId} is incomplete`);
    } catch (err) {
      const e = toVfsError(err);
      for (; this.filling < this.next; this.filling++) this.host.fail(this.file, this.filling, e);
    } finally {
      this.closed = true;
      if (buf) this.host.giveBack(buf);
      this.abort.abort();
    }
  }

  /** At a block boundary: true once the next block is claimed, false when the run is over. */
  private async allowance(): Promise<boolean> {
    for (;;) {
      if (this.filling < this.next) return true;
      if (this.closed || this.capped || this.filling > this.last) return false;
      this.extend(this.limit); // the read-ahead budget may have room again
      if (this.filling < this.next) return true;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(() => this.close(), this.idleMs);
        timer.unref();
      });
      clearTimeout(timer);
      this.wake = undefined;
    }
  }
}
