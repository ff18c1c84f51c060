// A long byte range fetched as several ranged GETs at once, delivered in order. Providers cap each
// connection (and a distant server costs a round trip per request), so one stream gets a fraction of
// the line; download managers open several for that reason.
//
// The range is cut into segments; the first is requested alone (so the first byte costs one request
// and a missing file fails at once), then several segments are in flight together, as many as
// AdaptiveCount finds worth it, up to maxStreams. A lone stream faster than any per-connection cap
// (loopback, a LAN) gets no company, and its segments grow instead: 256 ranged GETs per GiB over
// several streams cost the local server twice the CPU of one GET, on the CPUs the reader needs.
//
// Memory: a segment opened for the reader waiting on it is read as the reader asks, so however long
// it grows it holds nothing more than its socket. Segments after the one being read hold at most
// their own bytes until the reader takes them, and take their size from a budget shared by all
// downloads; when it is spent, no segment is added (the one being read always goes on), so memory
// stays bounded whatever the number of readers.
import { AdaptiveCount } from './adaptive-count.js';

/**
 * Shortest round the stream count is judged on: about one segment's time under a per-connection cap
 * of 16 MiB/s (so a capped link ramps up as fast as before), a dozen segments' on loopback.
 */
const MIN_ROUND_MS = 250;

/** A lone uncapped stream's segments grow up to this many times the base size (4 → 64 MiB). */
const LONE_GROWTH_MAX = 16;

/** Opens one segment: resolves when its answer arrived; the iterable then yields its bytes in order. */
export type SegmentOpener = (start: number, endInclusive: number, signal: AbortSignal) => Promise<AsyncIterable<Buffer>>;

export interface ParallelRangeOptions {
  segmentBytes: number;
  maxStreams: number;
  budget: ByteBudget;
  /**
   * A stream faster than this (bytes per second) is taken as uncapped: while one is, no other is
   * added, and its segments grow (fewer GETs).
   */
  uncappedRate: number;
  /** The clock rounds are timed by (ms); Date.now unless a test moves its own. */
  now?: () => number;
}

/** Bytes that segments fetched ahead of their reader may hold, across all downloads. */
export class ByteBudget {
  private used = 0;

  constructor(readonly max: number) {}

  take(n: number): boolean {
    if (this.used + n > this.max) return false;
    this.used += n;
    return true;
  }

  give(n: number): void {
    this.used -= n;
  }

  get inUse(): number {
    return this.used;
  }
}

/** One segment in flight, read chunk by chunk; `ended` settles once its GET is over. */
interface Segment {
  readonly length: number;
  /** Bytes taken from the budget (0 for a segment read as it arrives). */
  readonly reserved: number;
  /** The next chunk, undefined at the end; rethrows the segment's failure. */
  next(): Promise<Buffer | undefined>;
  /** Ends the GET if it still runs (the reader is gone). */
  close(): void;
  readonly ended: Promise<void>;
}

/**
 * A segment opened for the reader waiting on it: its body is read as the reader asks, with nothing
 * in between, so a long one holds no more than its socket does.
 */
class ReadSegment implements Segment {
  readonly reserved = 0;
  private it: AsyncIterator<Buffer> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly length: number,
    private readonly body: Promise<AsyncIterable<Buffer>>,
  ) {
    // A failed opening is thrown by next(); not also reported as unhandled when it comes first.
    body.catch(() => {});
  }

  async next(): Promise<Buffer | undefined> {
    this.it ??= (await this.body)[Symbol.asyncIterator]();
    const step = await this.it.next();
    return step.done ? undefined : step.value;
  }

  close(): void {
    this.closing ??= this.body.then(
      async (b) => void (await (this.it ?? b[Symbol.asyncIterator]()).return?.()),
      () => {},
    );
  }

  get ended(): Promise<void> {
    return this.closing ?? Promise.resolve();
  }
}

/** A segment fetched ahead of its reader: its bytes wait here, at most its length of them. */
class AheadSegment implements Segment {
  private readonly chunks: Buffer[] = [];
  private done = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  readonly ended: Promise<void>;

  constructor(
    readonly length: number,
    body: Promise<AsyncIterable<Buffer>>,
  ) {
    this.ended = this.pump(body);
  }

  /** Its whole length, taken from the budget when it was added. */
  get reserved(): number {
    return this.length;
  }

  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) return chunk;
      if (this.error !== undefined) throw this.error;
      if (this.done) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** The pump ends on the abort of its GET. */
  close(): void {}

  private async pump(body: Promise<AsyncIterable<Buffer>>): Promise<void> {
    try {
      for await (const chunk of await body) {
        this.chunks.push(chunk);
        this.wake?.();
      }
      this.done = true;
    } catch (err) {
      this.error = err;
    }
    this.wake?.();
  }
}

/**
 * Bytes [start, end] (end inclusive) in order. Resolves once the first segment's answer arrived;
 * the generator ends every GET when it returns or is closed early.
 */
export async function parallelRange(open: SegmentOpener, start: number, end: number, opts: ParallelRangeOptions, signal?: AbortSignal): Promise<AsyncGenerator<Buffer>> {
  const abort = new AbortController();
  const scoped = signal ? AbortSignal.any([signal, abort.signal]) : abort.signal;
  const firstEnd = Math.min(end, start + opts.segmentBytes - 1);
  let first: AsyncIterable<Buffer>;
  try {
    first = await open(start, firstEnd, scoped);
  } catch (err) {
    abort.abort();
    throw err;
  }
  return deliver(open, firstEnd + 1, end, opts, new ReadSegment(firstEnd - start + 1, Promise.resolve(first)), abort, scoped);
}

async function* deliver(
  open: SegmentOpener,
  from: number,
  end: number,
  opts: ParallelRangeOptions,
  first: Segment,
  abort: AbortController,
  signal: AbortSignal,
): AsyncGenerator<Buffer> {
  const streams = new AdaptiveCount(opts.maxStreams, opts.now ?? Date.now, undefined, MIN_ROUND_MS, opts.uncappedRate / 1000);
  const queue: Segment[] = [first];
  let next = from;
  let segmentBytes = opts.segmentBytes;
  /** Adds segments while the stream count and the budget allow; the head needs no budget. */
  const fill = () => {
    while (next <= end && queue.length < streams.current) {
      // A lone uncapped stream needs few GETs (each costs the server and the reader): its segments
      // grow, each twice the last, while it stays so. Several streams take the base size.
      segmentBytes = streams.current === 1 && streams.uncapped ? Math.min(opts.segmentBytes * LONE_GROWTH_MAX, segmentBytes * 2) : opts.segmentBytes;
      const last = Math.min(end, next + segmentBytes - 1);
      const length = last - next + 1;
      if (queue.length === 0) queue.push(new ReadSegment(length, open(next, last, signal)));
      else if (opts.budget.take(length)) queue.push(new AheadSegment(length, open(next, last, signal)));
      else return;
      next = last + 1;
    }
  };
  try {
    for (;;) {
      fill();
      const head = queue[0];
      if (!head) return;
      for (let chunk = await head.next(); chunk; chunk = await head.next()) yield chunk;
      queue.shift();
      opts.budget.give(head.reserved);
      streams.finished(head.length);
    }
  } finally {
    abort.abort();
    for (const s of queue) {
      s.close();
      opts.budget.give(s.reserved);
    }
    // Wait so no GET outlives the generator.
    await Promise.all(queue.map((s) => s.ended));
  }
}
