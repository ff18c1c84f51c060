// The in-memory block tier: an LRU bounded in bytes (lru-cache maxSize), never above its bound.
//
// Blocks that also have a copy in the disk tier ("backed") may use only part of it: the kernel's
// page cache keeps those hot anyway, outside this process, so holding many of them here would only
// double their memory. The block cache may evict further (evictOldest) to leave room for buffers it
// holds elsewhere, and learns of every block leaving the tier (onDrop) so its buffer can be reused.
// The keys are block keys (block-key.ts), also kept by file, so forgetting a file's blocks looks at
// that file's keys only, not at the whole tier.
import { LRUCache } from 'lru-cache';
import { filePrefixOf } from './block-key.js';

export interface MemoryBlocksOptions {
  /** Most bytes of backed blocks kept; default all of maxBytes. */
  maxBackedBytes?: number;
  onDrop?: (data: Buffer) => void;
}

export class MemoryBlocks {
  /** undefined when the tier is disabled (maxBytes 0). */
  private readonly lru: LRUCache<string, Buffer> | undefined;
  /** Sizes of the backed blocks, least recently used first. */
  private readonly backed = new Map<string, number>();
  private backedBytes = 0;
  private readonly maxBackedBytes: number;
  /** The keys of each file's blocks, by file prefix. */
  private readonly byFile = new Map<string, Set<string>>();

  constructor(readonly maxBytes: number, opts: MemoryBlocksOptions = {}) {
    this.maxBackedBytes = opts.maxBackedBytes ?? maxBytes;
    if (maxBytes >= 1) {
      // Blocks larger than maxBytes are not stored (lru-cache's maxEntrySize defaults to maxSize).
      this.lru = new LRUCache<string, Buffer>({
        maxSize: Math.floor(maxBytes),
        sizeCalculation: (b) => Math.max(1, b.length),
        dispose: (data, key) => {
          this.unback(key);
          this.unfile(key);
          opts.onDrop?.(data);
        },
      });
    }
  }

  get(key: string): Buffer | undefined {
    const data = this.lru?.get(key);
    const size = this.backed.get(key);
    if (data && size !== undefined) {
      this.backed.delete(key);
      this.backed.set(key, size);
    }
    return data;
  }

  /** Whether the key is cached, without touching its LRU position. */
  has(key: string): boolean {
    return this.lru?.has(key) ?? false;
  }

  /** Stores a block (evicting least recently used ones); false when it was not stored. */
  set(key: string, data: Buffer): boolean {
    if (!this.lru || data.length > this.maxBytes) return false;
    // A block replaced under its key was disposed of (unfiled) inside set: the key is filed after it.
    this.lru.set(key, data);
    const file = filePrefixOf(key);
    let keys = this.byFile.get(file);
    if (!keys) this.byFile.set(file, (keys = new Set()));
    keys.add(key);
    return true;
  }

  /** The block stored under `key`, if it is `data`, now has a disk copy too: kept only while backed blocks fit their share. */
  markBacked(key: string, data: Buffer): void {
    if (!this.lru || this.lru.peek(key) !== data || this.backed.has(key)) return;
    this.backed.set(key, data.length);
    this.backedBytes += data.length;
    while (this.backedBytes > this.maxBackedBytes) this.lru.delete(this.backed.keys().next().value!);
  }

  /** Evicts the least recently used block; false when the tier is empty. */
  evictOldest(): boolean {
    return this.lru?.pop() !== undefined;
  }

  /** Drops the blocks of the file of prefix `file` (blockFilePrefix), all revisions. */
  deleteFile(file: string): void {
    const keys = this.byFile.get(file);
    if (!keys) return;
    for (const key of [...keys]) this.lru!.delete(key);
  }

  /** Keys from most to least recently used. */
  keys(): string[] {
    return this.lru ? [...this.lru.keys()] : [];
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  clear(): void {
    this.lru?.clear();
  }

  private unfile(key: string): void {
    const file = filePrefixOf(key);
    const keys = this.byFile.get(file);
    if (keys?.delete(key) && keys.size === 0) this.byFile.delete(file);
  }

  private unback(key: string): void {
    const size = this.backed.get(key);
    if (size === undefined) return;
    this.backed.delete(key);
    this.backedBytes -= size;
  }
}
