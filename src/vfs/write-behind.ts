// A staging file's writes, answered once their bytes are copied out of the caller's buffer (FUSE
// reuses its buffer once answered) and landing on the file behind: one at a time and in order (two
// writes in libuv's pool at once may land out of order), contiguous ones gathered into one write.
// A file's first bytes, up to one FUSE write, land at once on the caller's thread instead (landNow):
// a small file's only write then costs no trip through the pool, nor its close a wait for one.
// The SHA-1 of sequential writes is brought up to date while they land, in the same order, so the
// answer does not wait for it either.
// Whoever reads or closes the file waits for them first (landed(), settled()). A write that fails to
// land fails every later write and landed() with its errno, as a local filesystem's delayed
// allocation reports a failed write-back at the next write, fsync or close.
import type { Hash } from 'node:crypto';
import { toVfsError, type VfsError } from '../core/errors.js';
import { WRITE_CHUNK, writeAt, writeAtSync } from '../shared/write-at.js';

/** How the bytes reach the disk: tests hold or fail writes here. */
export const stagingDisk = { writeAt, writeAtSync };

/** The pooled buffers' size: contiguous writes gather into one up to it (FUSE sends 128 KiB at most). */
const SLAB = WRITE_CHUNK;
/**
 * Writes within a file's first bytes land at once when nothing waits before them: one FUSE write
 * (128 KiB), a copy into the page cache of about 10 µs of a CPU for the 32 KiB of a typical small file,
 * against ~20 µs of the event loop's and a pool thread's wake-up for a write behind.
 */
const LAND_AT_ONCE = 128 * 1024;
/** Writes below this get a buffer of their own (a small file's one write gathers nothing). */
const SMALL = 32 * 1024;
/** Buffer bytes waiting to land, per file and in all: a writer past either waits (not one with nothing waiting). */
const FILE_BOUND = 4 * SLAB;
const ALL_BOUND = 16 * SLAB;
/** Free slabs kept for the next writes. */
const POOL_MAX = 8;

const freeSlabs: Buffer[] = [];
let allWaiting = 0;
/** Bytes written and not landed yet, every file together (their room on the disk is claimed, not yet used). */
let allToLand = 0;

/** Bytes answered as written that are not on their staging files yet (DiskReserve.countUnwritten). */
export function bytesToLand(): number {
  return allToLand;
}
/** Writers waiting for room; each looks again whenever a write lands. */
const roomWaiters = new Set<() => void>();

interface Pending {
  buf: Buffer;
  position: number;
  length: number;
  /** The hash these bytes continue, if any. */
  hasher: Hash | null;
}

export class WriteBehind {
  private readonly queue: Pending[] = [];
  /** Buffer bytes of the queue and of the write in flight. */
  private waiting = 0;
  private running: Promise<void> | undefined;
  private failure: VfsError | undefined;

  constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {}

  /** Throws the failure of an earlier write, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Whether a write of `length` bytes must wait for room first. */
  full(length: number): boolean {
    return this.waiting > 0 && (this.waiting + length > FILE_BOUND || allWaiting + length > ALL_BOUND);
  }

  async roomFor(length: number): Promise<void> {
    while (this.full(length) && !this.failure) await new Promise<void>((resolve) => roomWaiters.add(resolve));
    this.check();
  }

  /**
   * Lands the bytes now, with the hash brought up to date, if they lie within the file's first
   * LAND_AT_ONCE bytes and nothing waits to land before them; false when they must be queued
   * (add). A failure is this write's alone: it throws, with the disk's errno, and nothing was acknowledged.
   */
  landNow(from: Buffer, position: number, hasher: Hash | null): boolean {
    if (this.running || this.failure || position + from.length > LAND_AT_ONCE) return false;
    try {
      stagingDisk.writeAtSync(this.fd, from, position);
    } catch (err) {
      throw toVfsError(err, this.path);
    }
    hasher?.update(from);
    return true;
  }

  /** Copies the bytes and queues them (synchronous: the caller may reuse `from` at once); `hasher` gets them once they land. */
  add(from: Buffer, position: number, hasher: Hash | null): void {
    allToLand += from.length;
    const tail = this.queue.at(-1);
    if (tail && tail.hasher === hasher && tail.position + tail.length === position && tail.buf.length - tail.length >= from.length) {
      from.copy(tail.buf, tail.length);
      tail.length += from.length;
    } else {
      const buf = takeBuffer(from.length);
      from.copy(buf);
      this.queue.push({ buf, position, length: from.length, hasher });
      this.waiting += buf.length;
      allWaiting += buf.length;
    }
    // land() awaits before it can end: `running` is set first.
    this.running ??= this.land();
  }

  /** Whether writes are still to land. */
  get pending(): boolean {
    return this.running !== undefined;
  }

  /** Resolves once every write added so far is on the file; throws if one failed. */
  async landed(): Promise<void> {
    while (this.running) await this.running;
    this.check();
  }

  /** Resolves once nothing is in flight (before the file is closed), failed or not. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async land(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      const bytes = next.buf.subarray(0, next.length);
      const landing = this.failure
        ? undefined
        : stagingDisk.writeAt(this.fd, bytes, next.position).catch((err: unknown) => {
            this.failure ??= toVfsError(err, this.path);
          });
      if (next.hasher) {
        // Hashed while the pool writes, once the write that queued it has been answered.
        await new Promise((resolve) => setImmediate(resolve));
        next.hasher.update(bytes);
      }
      await landing;
      this.waiting -= next.buf.length;
      allWaiting -= next.buf.length;
      allToLand -= next.length;
      giveBack(next.buf);
      for (const wake of roomWaiters) wake();
      roomWaiters.clear();
    }
    this.running = undefined;
  }
}

function takeBuffer(length: number): Buffer {
  if (length < SMALL || length > SLAB) return Buffer.allocUnsafe(length);
  return freeSlabs.pop() ?? Buffer.allocUnsafeSlow(SLAB);
}

function giveBack(buf: Buffer): void {
  if (buf.length === SLAB && freeSlabs.length < POOL_MAX) freeSlabs.push(buf);
}
