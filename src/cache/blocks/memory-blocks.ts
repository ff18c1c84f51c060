// The in-memory block tier: an LRU bounded in bytes (lru-cache maxSize), never above its bound.
import { LRUCache } from 'lru-cache';

export class MemoryBlocks {
  /** undefined when the tier is disabled (maxBytes 0). */
  private readonly lru: LRUCache<string, Buffer> | undefined;

  constructor(readonly maxBytes: number) {
    if (maxBytes >= 1) {
      // Blocks larger than maxBytes are not stored (lru-cache's maxEntrySize defaults to maxSize).
      this.lru = new LRUCache<string, Buffer>({ maxSize: Math.floor(maxBytes), sizeCalculation: (b) => Math.max(1, b.length) });
    }
  }

  get(key: string): Buffer | undefined {
    return this.lru?.get(key);
  }

  /** Whether the key is cached, without touching its LRU position. */
  has(key: string): boolean {
    return this.lru?.has(key) ?? false;
  }

  set(key: string, data: Buffer): void {
    this.lru?.set(key, data);
  }

  /** Drops every key starting with `prefix`. */
  deletePrefix(prefix: string): void {
    if (!this.lru) return;
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
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
}
