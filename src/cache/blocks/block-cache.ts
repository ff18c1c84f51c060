// The read path's cache: memory → disk → source, in fixed-size blocks keyed by revision.
//
// Misses are fetched by runs (block-run.ts): one ranged GET over consecutive blocks, cut into blocks
// as bytes arrive. A sequential reader's run streams on ahead of it (adaptive read-ahead) as one GET;
// random reads fetch just the blocks they need. Every block loads once at a time, whoever asks.
// Disk hits are read in place: only the bytes asked for, straight into the caller's buffer, with
// no promotion to memory. Fetched blocks go to both tiers; once on disk they keep only a share of
// the memory tier (BACKED_SHARE).
//
// Memory: every block buffer the cache holds (memory tier, being filled, waiting for its disk
// write, the spare kept for reuse) counts against one budget, memBytes; the memory tier gives up
// blocks to stay within it. Read-ahead claims stop at a budget of blocks in flight. Every fetched
// block is written to the disk tier: the buffers no eviction can free (being filled or waiting for
// their disk write) are capped at a quarter of memBytes, and a run starts filling its next block only
// when there is room, so a disk slower than the network holds the GET back (and its readers with
// it) instead of a block skipping the disk tier, which a warm read would then fetch again.
import type { Logger } from '../../shared/logger.js';
import { VfsError } from '../../core/errors.js';
import type { CacheDb } from '../metadata/db.js';
import type { DiskReserve } from '../disk-reserve.js';
import { BlockBuffers } from './block-buffers.js';
import { blockFilePrefix, blockKeyString } from './block-key.js';
import type { BlockSource, CachedFile } from './block-source.js';
import type { ClaimResult, RunHost } from './block-run.js';
import { DiskBlocks } from './disk-blocks.js';
import { MemoryBlocks } from './memory-blocks.js';
import { ReadAhead } from './read-ahead.js';
import { Runs } from './runs.js';

export type { BlockSource, CachedFile } from './block-source.js';

export interface BlockCacheOptions {
  blockSize: number;
  /** Budget for every block buffer held: the memory tier, blocks being fetched or written to disk. */
  memBytes: number;
  /** Bound of the disk tier. */
  diskBytes: number;
  /** Largest read-ahead window of one reader, in blocks; default 8 (and at most half the memory tier). */
  maxReadAhead?: number;
  /** A run waiting for its readers this long ends its GET; default 5 s. */
  runIdleMs?: number;
  /**
   * The cache disk's free space, when shared with staged writes: the disk tier stays out of their
   * room and gives its blocks up when they need it.
   */
  space?: DiskReserve;
  /** Disk-tier write failures are logged here (reads go on without the disk tier). */
  logger?: Logger;
}

export interface BlockCacheStats {
  memBytes: number;
  diskBytes: number;
  hits: number;
  misses: number;
  /** GETs started. */
  fetches: number;
  fetchedBytes: number;
  /** Blocks whose filling waited for disk writes to finish (the disk was the bottleneck). */
  diskWaits: number;
}

/** A block loading: readers leave a copy step, run the moment it lands, and wait for `done`. */
interface Pending {
  copies: ((data: Buffer) => void)[];
  done: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Share of the memory tier for blocks that also sit in the disk tier: disk hits are positional reads
 * served by the kernel's page cache, so more copies here would mostly double memory use.
 */
const BACKED_SHARE = 1 / 4;

export class BlockCache implements RunHost {
  readonly blockSize: number;
  private readonly mem: MemoryBlocks;
  private readonly disk: DiskBlocks;
  private readonly buffers: BlockBuffers;
  private readonly readAhead: ReadAhead;
  /** Blocks loading at once; past it, read-ahead claims wait. */
  private readonly aheadBudget: number;
  /** Most bytes of buffers being filled or waiting for their disk write. */
  private readonly pinnedCap: number;
  private readonly loads = new Map<string, Pending>();
  private readonly runs: Runs;
  private readonly background = new Set<Promise<void>>();
  /** Bytes of buffers being filled (not held by the buffers' holders yet). */
  private fillingBytes = 0;
  private diskWriteBytes = 0;
  /** Runs waiting for room under pinnedCap to fill their next block. */
  private roomWaiters: (() => void)[] = [];
  private readonly counters = { hits: 0, misses: 0, fetches: 0, fetchedBytes: 0, diskWaits: 0 };

  constructor(db: CacheDb, dir: string, source: BlockSource, private readonly opts: BlockCacheOptions) {
    if (!(opts.blockSize > 0)) throw new RangeError('blockSize must be positive');
    this.blockSize = opts.blockSize;
    this.buffers = new BlockBuffers(opts.blockSize);
    this.mem = new MemoryBlocks(opts.memBytes, { maxBackedBytes: opts.memBytes * BACKED_SHARE, onDrop: (data) => this.buffers.release(data) });
    this.disk = new DiskBlocks(db, dir, opts.diskBytes, opts.space);
    opts.space?.reclaimWith((bytes) => this.disk.reclaim(bytes));
    // A window larger than half the memory tier would evict its own blocks before they are read.
    const halfMem = Math.max(1, Math.floor(opts.memBytes / opts.blockSize / 2));
    this.readAhead = new ReadAhead(Math.min(opts.maxReadAhead ?? 8, halfMem));
    this.aheadBudget = halfMem;
    this.pinnedCap = Math.max(1, Math.floor(opts.memBytes / opts.blockSize / 4)) * opts.blockSize;
    this.runs = new Runs(this, source, {
      idleMs: opts.runIdleMs ?? 5000,
      onStart: (done) => {
        this.counters.fetches++;
        this.track(done);
      },
    });
  }

  /**
   * Reads up to `length` bytes at `position` into `into` (offset 0); returns bytes read (short only
   * at EOF). Waits only for the blocks it needs (and blocks already in flight before them).
   */
  async read(file: CachedFile, into: Buffer, position: number, length: number, readerId?: string): Promise<number> {
    if (position < 0 || length < 0 || length > into.length) throw new VfsError('EINVAL', `bad read: ${length} bytes at ${position}`);
    const end = Math.min(file.size, position + length);
    if (end <= position) return 0;
    const bs = this.blockSize;
    const first = Math.floor(position / bs);
    const last = Math.floor((end - 1) / bs);
    const window = this.readAhead.next(readerId ?? blockFilePrefix(file.volume, file.fileId), first, last);
    const aheadTo = window > 0 ? Math.min(this.lastBlock(file), last + window) : -1;
    const waits: Promise<void>[] = [];
    for (let i = first; i <= last; i++) {
      const wait = this.readBlock(file, i, into, position, end, last, aheadTo);
      if (wait) waits.push(wait);
    }
    if (window > 0) this.streamAhead(file, last + 1, aheadTo);
    await Promise.all(waits);
    return end - position;
  }

  /**
   * Drop blocks of a file (all revisions), e.g. after it was overwritten. Loads in flight still land.
   * Costs the file's own blocks, whatever the cache holds (the change feed calls it per deleted file).
   */
  forget(volume: string, fileId: string): void {
    this.runs.closeFile(volume, fileId);
    const prefix = blockFilePrefix(volume, fileId);
    this.mem.deleteFile(prefix);
    if (this.disk.holdsFile(prefix)) this.track(this.disk.deleteFile(prefix).catch((err) => this.opts.logger?.warn({ err }, 'block cache: forgetting disk blocks failed')));
  }

  /** Stop tracking a reader's access pattern (its handle was closed). */
  forgetReader(readerId: string): void {
    this.readAhead.forget(readerId);
  }

  stats(): BlockCacheStats {
    return { memBytes: this.mem.bytes, diskBytes: this.disk.bytes, ...this.counters };
  }

  /** Bytes of block buffers the cache holds now: memory tier, being filled, waiting for disk, spare. */
  get heldBytes(): number {
    return this.buffers.bytes + this.fillingBytes;
  }

  /**
   * Ends every run once its claimed blocks landed; resolves when no fetch or disk work is left and
   * no block file is held open.
   */
  async idle(): Promise<void> {
    this.runs.closeAll();
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    this.disk.closeFiles();
  }

  async clear(): Promise<void> {
    await this.idle();
    this.mem.clear();
    await this.disk.clear();
  }

  // ---- RunHost: what runs call ----

  claim(file: CachedFile, index: number, forced: boolean): ClaimResult {
    const key = this.keyOf(file, index);
    if (this.loads.has(key) || this.mem.has(key) || this.disk.has(key)) return 'held';
    if (!forced && this.loads.size >= this.aheadBudget) return 'over-budget';
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined); // read-ahead nobody waits for may fail quietly
    this.loads.set(key, { copies: [], done, resolve, reject });
    return 'claimed';
  }

  async allocate(size: number): Promise<Buffer> {
    if (!this.roomFor(size)) {
      if (this.diskWriteBytes > 0) this.counters.diskWaits++;
      do await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      while (!this.roomFor(size));
    }
    this.fillingBytes += size;
    this.fitBudget(size);
    return this.buffers.take(size);
  }

  giveBack(buf: Buffer): void {
    this.fillingBytes -= buf.length;
    this.buffers.release(buf);
    this.wakeRoomWaiters();
  }

  land(file: CachedFile, index: number, data: Buffer): void {
    const key = this.keyOf(file, index);
    const pending = this.loads.get(key);
    this.loads.delete(key);
    for (const copy of pending?.copies ?? []) copy(data);
    // Held for this step, so the buffer is not reused while it moves to the tiers.
    this.buffers.retain(data);
    this.fillingBytes -= data.length;
    this.writeToDisk(key, data);
    if (this.mem.set(key, data)) this.buffers.retain(data);
    this.buffers.release(data);
    this.fitBudget();
    pending?.resolve();
    this.runs.resume();
    this.wakeRoomWaiters();
  }

  fail(file: CachedFile, index: number, err: VfsError): void {
    const key = this.keyOf(file, index);
    const pending = this.loads.get(key);
    this.loads.delete(key);
    pending?.reject(err);
    this.runs.resume();
  }

  received(bytes: number): void {
    this.counters.fetchedBytes += bytes;
  }

  // ---- helpers ----

  /**
   * Copies block i's part of [position, end) into `into`: at once from memory, else from disk or by
   * waiting for its load. A missing block is fetched together with the missing blocks after it up to
   * `last`, in a run that streams on to `aheadTo` when the reader is sequential.
   */
  private readBlock(file: CachedFile, i: number, into: Buffer, position: number, end: number, last: number, aheadTo: number): Promise<void> | undefined {
    const start = i * this.blockSize;
    const from = Math.max(position, start);
    const to = Math.min(end, start + this.blockSize);
    const key = this.keyOf(file, i);
    const copy = (data: Buffer) => void data.copy(into, from - position, from - start, to - start);
    const cached = this.mem.get(key);
    if (cached) {
      this.counters.hits++;
      return void copy(cached);
    }
    let loading = this.loads.get(key);
    if (!loading && this.disk.has(key)) {
      return this.disk
        .read(key, this.blockLength(file, i), into, from - position, from - start, to - from)
        .catch((err) => {
          this.opts.logger?.warn({ err }, 'block cache: disk read failed');
          return false;
        })
        .then((found) => {
          if (found) return void this.counters.hits++;
          // Dropped as missing or damaged: load it again (a block that stays on disk unreadable is EIO, not a loop).
          if (this.disk.has(key) && !this.loads.has(key) && !this.mem.has(key)) throw new VfsError('EIO', `block ${i} of ${file.fileId} is unreadable on disk`);
          return this.readBlock(file, i, into, position, end, i, -1);
        });
    }
    if (!loading) {
      let upTo = i;
      while (upTo < last && this.isMissing(file, upTo + 1)) upTo++;
      this.runs.fetch(file, i, upTo, aheadTo, this.lastBlock(file));
      loading = this.loads.get(key)!;
    }
    this.counters.misses++;
    loading.copies.push(copy);
    return loading.done;
  }

  /** Read-ahead: the first block of [from, to] not cached or loading starts or continues a streaming run. */
  private streamAhead(file: CachedFile, from: number, to: number): void {
    for (let i = from; i <= to; i++) if (this.isMissing(file, i)) return this.runs.streamFrom(file, i, to, this.lastBlock(file));
  }

  /** Every block the disk tier can hold; the buffer stays pinned until written. */
  private writeToDisk(key: string, data: Buffer): void {
    if (this.disk.maxBytes < data.length) return;
    this.diskWriteBytes += data.length;
    this.buffers.retain(data);
    const write = this.disk
      .put(key, data)
      .then(() => {
        if (this.disk.has(key)) this.mem.markBacked(key, data);
      })
      .catch((err) => this.opts.logger?.warn({ err }, 'block cache: disk write failed'))
      .finally(() => {
        this.diskWriteBytes -= data.length;
        this.buffers.release(data);
        this.wakeRoomWaiters();
      });
    this.track(write);
  }

  /**
   * Drops spare buffers, then evicts from the memory tier, until all block buffers fit memBytes, not
   * counting the spare about to become the buffer of `takeSize` bytes already charged as filling.
   */
  private fitBudget(takeSize = 0): void {
    while (this.buffers.bytes + this.fillingBytes - this.buffers.reusable(takeSize) > this.mem.maxBytes && (this.buffers.dropSpare(takeSize) || this.mem.evictOldest()));
  }

  /**
   * Whether a run may start filling a buffer of `size` bytes: the pinned buffers (being filled or
   * waiting for their disk write, which no eviction frees) stay within pinnedCap, one at least.
   */
  private roomFor(size: number): boolean {
    const pinned = this.fillingBytes + this.diskWriteBytes;
    return pinned === 0 || pinned + size <= this.pinnedCap;
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private isMissing(file: CachedFile, index: number): boolean {
    const key = this.keyOf(file, index);
    return !this.loads.has(key) && !this.mem.has(key) && !this.disk.has(key);
  }

  private lastBlock(file: CachedFile): number {
    return Math.max(0, Math.ceil(file.size / this.blockSize) - 1);
  }

  private blockLength(file: CachedFile, index: number): number {
    return Math.min(this.blockSize, file.size - index * this.blockSize);
  }

  private track(task: Promise<void>): void {
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }

  /** The block size is part of the key: disk blocks stored under another --block-size never match. */
  private keyOf(file: CachedFile, index: number): string {
    return `${blockKeyString({ volume: file.volume, fileId: file.fileId, revision: file.revision, index })}@${this.blockSize}`;
  }
}
