// The on-disk block tier: one file per block under <cacheDir>/blocks, bounded in bytes with LRU
// eviction. On a cache disk shared with staged writes (DiskReserve) it is bounded by the free space
// too: it evicts rather than fill the headroom above the reserve, and gives room back (reclaim)
// when a staged write needs it, since its blocks can be fetched again. The index lives in the
// CacheDb (table `blocks`) and is mirrored in memory, where a Map's insertion order is the LRU order,
// and by file, so forgetting a file's blocks looks at that file's blocks only.
//
// Crash consistency: a row is inserted before its file is written and deleted after its file is
// unlinked, so after kill -9 the index covers every file (no orphans); a row whose file is missing
// or short is dropped on read. Index commits are not fsynced (nor is anything before CacheDb.durable()): a power loss may at worst
// leak the files of the last few puts. Each put writes a fresh file name, so a late unlink of an
// evicted copy can never hit a newer copy of the same key.
//
// Reads copy just the range asked for, through descriptors kept open (block-fds.ts).
//
// The in-memory mirror owns the table: use one DiskBlocks (one BlockCache) per CacheDb.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { CacheDb } from '../metadata/db.js';
import { writeAt } from '../../shared/write-at.js';
import type { DiskReserve } from '../disk-reserve.js';
import { BlockFds } from './block-fds.js';
import { filePrefixOf } from './block-key.js';

interface IndexEntry {
  key: string;
  /** Relative to dir. */
  file: string;
  size: number;
  lastUsed: number;
}

/** Persist LRU touches in batches: losing a few on a crash only perturbs eviction order. */
const TOUCH_BATCH = 64;
/** Block files kept open for reading. */
const MAX_OPEN_FILES = 64;

export class DiskBlocks {
  private readonly index = new Map<string, IndexEntry>();
  /** The index's entries of each file, by file prefix (blockFilePrefix). */
  private readonly byFile = new Map<string, Set<IndexEntry>>();
  /** Blocks whose put is in progress: readable from here, their bytes reserved. */
  private readonly writing = new Map<string, Buffer>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly touched = new Set<IndexEntry>();
  private readonly madeDirs = new Set<string>();
  private readonly fds = new BlockFds(MAX_OPEN_FILES);
  private stored = 0;
  private reserved = 0;
  private tick = 0;
  private readonly q: Record<'insert' | 'remove' | 'touch' | 'removeAll', Statement>;

  readonly maxBytes: number;

  constructor(private readonly cache: CacheDb, readonly dir: string, maxBytes: number, private readonly space?: DiskReserve) {
    this.maxBytes = Math.max(0, maxBytes);
    const db = cache.db;
    this.q = {
      insert: db.prepare('INSERT OR REPLACE INTO blocks (key, file, size, last_used) VALUES (?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM blocks WHERE key = ? AND file = ?'),
      touch: db.prepare('UPDATE blocks SET last_used = ? WHERE key = ? AND file = ?'),
      removeAll: db.prepare('DELETE FROM blocks'),
    };
    const rows = db.prepare('SELECT key, file, size, last_used AS lastUsed FROM blocks ORDER BY last_used').all() as IndexEntry[];
    for (const row of rows) {
      this.attach(row);
      this.tick = Math.max(this.tick, row.lastUsed);
    }
    cache.beforeClose(() => {
      this.persistTouches();
      this.fds.closeAll();
    });
    // The bound may have shrunk since the last run.
    while (this.stored > this.maxBytes) {
      const oldest = this.detachOldest()!;
      fs.rmSync(path.join(this.dir, oldest.file), { force: true });
      this.cache.batch(() => this.q.remove.run(oldest.key, oldest.file));
    }
  }

  /** Bytes stored plus bytes reserved by puts in progress; never above maxBytes. */
  get bytes(): number {
    return this.stored + this.reserved;
  }

  /** Keys from least to most recently used. */
  keys(): string[] {
    return [...this.index.keys()];
  }

  /** Whether the block is stored or being stored. */
  has(key: string): boolean {
    return this.index.has(key) || this.writing.has(key);
  }

  /**
   * Copies `length` bytes from offset `from` of a block of `size` bytes into `into` at `at`, reading
   * just that range, and touches the block's LRU position. False when the block is absent or
   * damaged (a damaged block is dropped); rejects, after dropping it, when reading fails otherwise.
   */
  async read(key: string, size: number, into: Buffer, at: number, from: number, length: number): Promise<boolean> {
    const pending = this.writing.get(key);
    if (pending) {
      if (pending.length !== size) return false;
      pending.copy(into, at, from, from + length);
      return true;
    }
    const entry = this.index.get(key);
    if (!entry) return false;
    if (entry.size !== size) {
      await this.drop(entry);
      return false;
    }
    this.touch(entry);
    let got: number;
    try {
      got = await this.fds.with(path.join(this.dir, entry.file), (fd) => readAt(fd, into, at, length, from));
    } catch (err) {
      // Unreadable: dropped either way, so the caller fetches it again; other errors than a missing file are reported.
      await this.drop(entry);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return false;
    }
    if (got === length) return true;
    await this.drop(entry);
    return false;
  }

  /**
   * Stores a block, first evicting least recently used blocks so the bound holds at all times.
   * Skips blocks larger than the bound, keys already stored, (rarely) blocks that do not fit
   * because other puts in progress hold the space, and blocks the cache disk has no room for even
   * with every other block evicted. Rejects when the disk write fails.
   */
  put(key: string, data: Buffer): Promise<void> {
    const existing = this.index.get(key);
    if (existing) {
      this.touch(existing);
      return Promise.resolve();
    }
    if (this.writing.has(key) || this.reserved + data.length > this.maxBytes) return Promise.resolve();
    const victims: IndexEntry[] = [];
    while (this.bytes + data.length > this.maxBytes) victims.push(this.detachOldest()!);
    this.reserved += data.length;
    this.writing.set(key, data);
    const work = this.store(key, data, victims).finally(() => {
      this.reserved -= data.length;
      this.writing.delete(key);
      this.inFlight.delete(work);
    });
    this.inFlight.add(work);
    return work;
  }

  /** Evicts least recently used blocks until at least `bytes` are freed (or none is left); resolves the bytes freed. */
  async reclaim(bytes: number): Promise<number> {
    const victims: IndexEntry[] = [];
    let freed = 0;
    while (freed < bytes) {
      const oldest = this.detachOldest();
      if (!oldest) break;
      victims.push(oldest);
      freed += oldest.size;
    }
    await Promise.all(victims.map((v) => this.unlink(v)));
    return freed;
  }

  /** Whether any block of the file of prefix `file` (blockFilePrefix) is stored. */
  holdsFile(file: string): boolean {
    return this.byFile.has(file);
  }

  /** Drops the stored blocks of the file of prefix `file` (blockFilePrefix), all revisions. */
  async deleteFile(file: string): Promise<void> {
    const doomed = this.byFile.get(file);
    if (doomed) await Promise.all([...doomed].map((e) => this.drop(e)));
  }

  /** Closes the block files kept open for reading (they reopen on the next read). */
  closeFiles(): void {
    this.fds.closeAll();
  }

  /** Removes every block (after letting puts in progress finish). */
  async clear(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.fds.closeAll();
    this.index.clear();
    this.byFile.clear();
    this.touched.clear();
    this.madeDirs.clear();
    this.stored = 0;
    await fsp.rm(this.dir, { recursive: true, force: true });
    this.cache.batch(() => this.q.removeAll.run());
  }

  private async store(key: string, data: Buffer, victims: IndexEntry[]): Promise<void> {
    await Promise.all(victims.map((v) => this.unlink(v)));
    if (!(await this.roomOnDisk(data.length))) return;
    const hash = createHash('sha1').update(key).digest('hex');
    const entry: IndexEntry = { key, file: path.join(hash.slice(0, 2), `${hash}.${++this.tick}`), size: data.length, lastUsed: this.tick };
    this.cache.batch(() => {
      this.q.insert.run(entry.key, entry.file, entry.size, entry.lastUsed);
      this.flushTouches();
    });
    const full = path.join(this.dir, entry.file);
    try {
      await this.ensureDir(path.dirname(full));
      await writeWhole(full, data);
    } catch (err) {
      await this.unlink(entry);
      throw err;
    }
    this.attach(entry);
  }

  /**
   * Whether `bytes` fit on the disk with the reserve and as much again free for staged writes,
   * evicting older blocks to make them fit; false (the block is not stored) when even that is not enough.
   */
  private async roomOnDisk(bytes: number): Promise<boolean> {
    if (!this.space) return true;
    while (!(await this.space.tryClaim(bytes, this.space.reserveBytes))) {
      if ((await this.reclaim(bytes)) === 0) return false;
    }
    return true;
  }

  private detachOldest(): IndexEntry | undefined {
    const oldest = this.index.values().next();
    if (oldest.done) return undefined;
    this.detach(oldest.value);
    return oldest.value;
  }

  private attach(entry: IndexEntry): void {
    this.index.set(entry.key, entry);
    const file = filePrefixOf(entry.key);
    let entries = this.byFile.get(file);
    if (!entries) this.byFile.set(file, (entries = new Set()));
    entries.add(entry);
    this.stored += entry.size;
  }

  private detach(entry: IndexEntry): void {
    this.index.delete(entry.key);
    const file = filePrefixOf(entry.key);
    const entries = this.byFile.get(file);
    if (entries?.delete(entry) && entries.size === 0) this.byFile.delete(file);
    this.touched.delete(entry);
    this.stored -= entry.size;
  }

  /** Removes an entry unless it was already replaced or removed. */
  private async drop(entry: IndexEntry): Promise<void> {
    if (this.index.get(entry.key) !== entry) return;
    this.detach(entry);
    await this.unlink(entry);
  }

  private async unlink(entry: IndexEntry): Promise<void> {
    this.fds.close(path.join(this.dir, entry.file));
    await fsp.rm(path.join(this.dir, entry.file), { force: true });
    this.cache.batch(() => this.q.remove.run(entry.key, entry.file));
  }

  private touch(entry: IndexEntry): void {
    this.index.delete(entry.key);
    this.index.set(entry.key, entry);
    entry.lastUsed = ++this.tick;
    this.touched.add(entry);
    if (this.touched.size >= TOUCH_BATCH) this.persistTouches();
  }

  private persistTouches(): void {
    if (this.touched.size > 0) this.cache.batch(() => this.flushTouches());
  }

  private flushTouches(): void {
    for (const e of this.touched) this.q.touch.run(e.lastUsed, e.key, e.file);
    this.touched.clear();
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await fsp.mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }
}

/** A new file holding exactly `data`. */
function writeWhole(file: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.open(file, 'w', (openErr, fd) => {
      if (openErr) return reject(openErr);
      const finish = (err: unknown) =>
        fs.close(fd, (closeErr) => {
          const failure = err ?? closeErr;
          if (failure) reject(failure);
          else resolve();
        });
      writeAt(fd, data, 0).then(() => finish(null), finish);
    });
  });
}

/** Reads `length` bytes at `position` of an open file into `into` at `at`; resolves the count read (short at EOF). */
function readAt(fd: number, into: Buffer, at: number, length: number, position: number): Promise<number> {
  // Callback fs: no FileHandle objects for the GC on the random-read path.
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = (): void => {
      if (done >= length) return resolve(done);
      fs.read(fd, into, at + done, length - done, position + done, (err, n) => {
        if (err) return reject(err);
        if (n === 0) return resolve(done);
        done += n;
        step();
      });
    };
    step();
  });
}
