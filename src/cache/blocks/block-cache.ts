// The read path's cache: memory → disk → source, in fixed-size blocks keyed by revision.
// Concurrent misses on a block share one load (single-flight); sequential readers get adaptive
// read-ahead as parallel fetches. Memory stays bounded: the memory tier by its LRU bound, fetches
// in flight by the read sizes asked for plus at most maxReadAhead prefetches, pending disk writes
// by a fixed cap.
import type { Logger } from '../../shared/logger.js';
import { VfsError } from '../../vfs/errors.js';
import type { CacheDb } from '../metadata/db.js';
import { blockFilePrefix, blockKeyString } from './block-key.js';
import { DiskBlocks } from './disk-blocks.js';
import { MemoryBlocks } from './memory-blocks.js';
import { ReadAhead } from './read-ahead.js';

export interface CachedFile {
  volume: string;
  fileId: string;
  revision: string;
  size: number;
}

export interface BlockSource {
  /** Fetch bytes [start, endInclusive] of the file as one Buffer (the caller sizes it to one block). */
  fetch(file: CachedFile, start: number, endInclusive: number, signal?: AbortSignal): Promise<Buffer>;
}

export interface BlockCacheOptions {
  blockSize: number;
  memBytes: number;
  diskBytes: number;
  /** Largest read-ahead window, in blocks; default 8. Also caps prefetches in flight overall. */
  maxReadAhead?: number;
  /** Disk-tier write failures are logged here (reads go on without the disk tier). */
  logger?: Logger;
}

export interface BlockCacheStats {
  memBytes: number;
  diskBytes: number;
  hits: number;
  misses: number;
  fetches: number;
  fetchedBytes: number;
}

interface Loaded {
  data: Buffer;
  fromSource: boolean;
}

export class BlockCache {
  readonly blockSize: number;
  private readonly mem: MemoryBlocks;
  private readonly disk: DiskBlocks;
  private readonly readAhead: ReadAhead;
  private readonly maxPrefetch: number;
  private readonly maxDiskWrites: number;
  private readonly loads = new Map<string, Promise<Loaded>>();
  private readonly diskWrites = new Map<string, Promise<void>>();
  private readonly background = new Set<Promise<void>>();
  private prefetching = 0;
  private readonly counters = { hits: 0, misses: 0, fetches: 0, fetchedBytes: 0 };

  constructor(db: CacheDb, dir: string, private readonly source: BlockSource, private readonly opts: BlockCacheOptions) {
    if (!(opts.blockSize > 0)) throw new RangeError('blockSize must be positive');
    this.blockSize = opts.blockSize;
    this.mem = new MemoryBlocks(opts.memBytes);
    this.disk = new DiskBlocks(db, dir, opts.diskBytes);
    const maxReadAhead = opts.maxReadAhead ?? 8;
    // A window larger than half the memory tier would evict its own blocks before they are read.
    const memBlocks = Math.floor(opts.memBytes / opts.blockSize / 2);
    this.readAhead = new ReadAhead(Math.max(0, Math.min(maxReadAhead, Math.max(1, memBlocks))));
    this.maxPrefetch = maxReadAhead;
    this.maxDiskWrites = Math.max(4, 2 * maxReadAhead);
  }

  /**
   * Reads up to `length` bytes at `position` into `into` (offset 0); returns bytes read (short only
   * at EOF). Waits only for the blocks it needs; read-ahead runs in the background.
   */
  async read(file: CachedFile, into: Buffer, position: number, length: number, readerId?: string): Promise<number> {
    if (position < 0 || length < 0 || length > into.length) throw new VfsError('EINVAL', `bad read: ${length} bytes at ${position}`);
    const end = Math.min(file.size, position + length);
    if (end <= position) return 0;
    const bs = this.blockSize;
    const first = Math.floor(position / bs);
    const last = Math.floor((end - 1) / bs);
    const wanted: Promise<Buffer>[] = [];
    for (let i = first; i <= last; i++) wanted.push(this.demand(file, i));
    const ahead = this.readAhead.next(readerId ?? blockFilePrefix(file.volume, file.fileId), first, last);
    const lastBlock = Math.floor((file.size - 1) / bs);
    this.prefetch(file, last + 1, Math.min(lastBlock, last + ahead));
    const blocks = await Promise.all(wanted);
    blocks.forEach((data, n) => {
      const blockStart = (first + n) * bs;
      const from = Math.max(position, blockStart);
      const to = Math.min(end, blockStart + data.length);
      data.copy(into, from - position, from - blockStart, to - blockStart);
    });
    return end - position;
  }

  /** Drop blocks of a file (all revisions), e.g. after it was overwritten. Loads in flight still land. */
  forget(volume: string, fileId: string): void {
    const prefix = blockFilePrefix(volume, fileId);
    this.mem.deletePrefix(prefix);
    this.track(this.disk.deletePrefix(prefix).catch((err) => this.opts.logger?.warn({ err }, 'block cache: forgetting disk blocks failed')));
  }

  /** Stop tracking a reader's access pattern (its handle was closed). */
  forgetReader(readerId: string): void {
    this.readAhead.forget(readerId);
  }

  stats(): BlockCacheStats {
    return { memBytes: this.mem.bytes, diskBytes: this.disk.bytes, ...this.counters };
  }

  /** Resolves once no prefetch, disk write or disk removal is in progress. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  async clear(): Promise<void> {
    await this.idle();
    this.mem.clear();
    await this.disk.clear();
  }

  private async demand(file: CachedFile, index: number): Promise<Buffer> {
    const key = this.keyOf(file, index);
    const cached = this.mem.get(key);
    if (cached) {
      this.counters.hits++;
      return cached;
    }
    const loaded = await this.load(file, index, key);
    if (loaded.fromSource) this.counters.misses++;
    else this.counters.hits++;
    return loaded.data;
  }

  /** Disk, else source; one load per key at a time. */
  private load(file: CachedFile, index: number, key: string): Promise<Loaded> {
    let loading = this.loads.get(key);
    if (!loading) {
      loading = this.loadUnshared(file, index, key).finally(() => this.loads.delete(key));
      this.loads.set(key, loading);
    }
    return loading;
  }

  private async loadUnshared(file: CachedFile, index: number, key: string): Promise<Loaded> {
    const start = index * this.blockSize;
    const expected = Math.min(this.blockSize, file.size - start);
    const onDisk = await this.disk.get(key).catch(() => undefined);
    if (onDisk?.length === expected) {
      this.mem.set(key, onDisk);
      return { data: onDisk, fromSource: false };
    }
    const data = await this.source.fetch(file, start, start + expected - 1);
    this.counters.fetches++;
    this.counters.fetchedBytes += data.length;
    if (data.length !== expected) {
      throw new VfsError('EIO', `block ${index} of ${file.fileId}: got ${data.length} bytes, expected ${expected}`);
    }
    this.mem.set(key, data);
    this.writeToDisk(key, data);
    return { data, fromSource: true };
  }

  /** Not awaited by readers; skipped when too many writes are pending (the block stays a memory-only hit). */
  private writeToDisk(key: string, data: Buffer): void {
    if (this.diskWrites.size >= this.maxDiskWrites || this.diskWrites.has(key)) return;
    const write = this.disk
      .put(key, data)
      .catch((err) => this.opts.logger?.warn({ err }, 'block cache: disk write failed'))
      .finally(() => this.diskWrites.delete(key));
    this.diskWrites.set(key, write);
    this.track(write);
  }

  /** Starts loads of blocks [from, to] not already cached in memory or loading, within the prefetch cap. */
  private prefetch(file: CachedFile, from: number, to: number): void {
    for (let i = from; i <= to && this.prefetching < this.maxPrefetch; i++) {
      const key = this.keyOf(file, i);
      if (this.mem.has(key) || this.loads.has(key)) continue;
      this.prefetching++;
      // The slot is held until the block reached disk too, so read-ahead cannot outrun the disk tier.
      const task = this.load(file, i, key)
        .then(() => this.diskWrites.get(key))
        .catch(() => undefined) // a reader that joined this load gets the error; later reads load again
        .finally(() => this.prefetching--);
      this.track(task);
    }
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
