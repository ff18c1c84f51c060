// A long byte range fetched as several ranged GETs at once, delivered in order. Providers cap each
// connection (and a distant server costs a round trip per request), so one stream gets a fraction of
// the line; download managers open several for that reason.
//
// The range is cut into segments; the first is requested alone (so the first byte costs one request
// and a missing file fails at once), then several segments are in flight together, as many as
// AdaptiveCount finds worth it, up to maxStreams.
//
// While one stream is all that runs and a segment takes under half a round, the next is twice as
// long (up to MAX_SEGMENT_BYTES), and half as long when one takes over two rounds: on loopback a
// 4 MiB segment takes about 20 ms, and 256 GETs per GiB cost the server half again the CPU of one
// GET (a new read stream, its buffers and a pause between GETs each) and the reader a request
// each. Under a per-connection cap of 16 MiB/s a 4 MiB segment takes a round, so segments keep
// their size, and a count above one always uses the base size (the budget is counted in those).
//
// Memory: a segment holds at most segmentBytes until the reader takes them (a longer one stops
// reading its body there: TCP backpressure holds the server back). Segments after the one being
// read take their size from a budget shared by all downloads; when it is spent, no segment is added
// (the one being read always goes on), so memory stays bounded whatever the number of readers.
import { AdaptiveCount } from './adaptive-count.js';

/**
 * Shortest round the stream count is judged on: about one segment's time under a per-connection cap
 * of 16 MiB/s (so a capped link ramps up as fast as before), a dozen segments' on loopback.
 */
const MIN_ROUND_MS = 250;
/** Longest segment a lone stream grows to: 16 GETs per GiB. */
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;

/** Opens one segment: resolves when its answer arrived; the iterable then yields its bytes in order. */
export type SegmentOpener = (start: number, endInclusive: number, signal: AbortSignal) => Promise<AsyncIterable<Buffer>>;

export interface ParallelRangeOptions {
  segmentBytes: number;
  maxStreams: number;
  budget: ByteBudget;
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

/** One segment in flight: its bytes wait here for the reader, at most `holdBytes` at a time. */
class Segment {
  private readonly chunks: Buffer[] = [];
  private held = 0;
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  /** Wakes the pump, waiting for the reader to take bytes. */
  private room: (() => void) | undefined;
  private readonly opened = Date.now();
  /** Milliseconds from its request to its last byte. */
  took = 0;
  readonly pumped: Promise<void>;

  constructor(
    readonly length: number,
    /** Bytes taken from the budget (0 for a segment read as it arrives). */
    readonly reserved: number,
    private readonly holdBytes: number,
    body: Promise<AsyncIterable<Buffer>>,
    private readonly signal: AbortSignal,
  ) {
    this.pumped = this.pump(body);
  }

  /** The next chunk, undefined at the end; rethrows the segment's failure. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        this.held -= chunk.length;
        this.room?.();
        return chunk;
      }
      if (this.error !== undefined) throw this.error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private async pump(body: Promise<AsyncIterable<Buffer>>): Promise<void> {
    const stop = () => this.room?.();
    this.signal.addEventListener('abort', stop);
    try {
      for await (const chunk of await body) {
        this.chunks.push(chunk);
        this.held += chunk.length;
        this.wake?.();
        while (this.held >= this.holdBytes && !this.signal.aborted) await new Promise<void>((resolve) => (this.room = resolve));
        this.room = undefined;
        if (this.signal.aborted) break;
      }
      this.ended = true;
      this.took = Date.now() - this.opened;
    } catch (err) {
      this.error = err;
    } finally {
      this.signal.removeEventListener('abort', stop);
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
  return deliver(open, firstEnd + 1, end, opts, new Segment(firstEnd - start + 1, 0, opts.segmentBytes, Promise.resolve(first), scoped), abort, scoped);
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
  const streams = new AdaptiveCount(opts.maxStreams, Date.now, undefined, MIN_ROUND_MS);
  const queue: Segment[] = [first];
  let next = from;
  /** Length of the next segment read alone (a lone stream's segments grow on a fast link). */
  let alone = opts.segmentBytes;
  /** Adds segments while the stream count and the budget allow; the head needs no budget. */
  const fill = () => {
    while (next <= end && queue.length < streams.current) {
      const last = Math.min(end, next + (queue.length === 0 && streams.current === 1 ? alone : opts.segmentBytes) - 1);
      const length = last - next + 1;
      const reserved = queue.length === 0 ? 0 : length;
      if (reserved > 0 && !opts.budget.take(reserved)) return;
      queue.push(new Segment(length, reserved, opts.segmentBytes, open(next, last, signal), signal));
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
      alone = streams.current > 1 ? opts.segmentBytes : nextAlone(alone, head, opts.segmentBytes);
    }
  } finally {
    abort.abort();
    for (const s of queue) opts.budget.give(s.reserved);
    // The pumps end on the abort; wait so no GET outlives the generator.
    await Promise.all(queue.map((s) => s.pumped));
  }
}

/** A lone stream's next segment: twice as long after one that took under half a round, half after one over two. */
function nextAlone(length: number, done: Segment, base: number): number {
  if (done.length < length) return length; // the last one, cut short by the range's end
  if (done.took < MIN_ROUND_MS / 2) return Math.max(base, Math.min(MAX_SEGMENT_BYTES, length * 2));
  if (done.took > MIN_ROUND_MS * 2) return Math.max(base, length / 2);
  return length;
}
