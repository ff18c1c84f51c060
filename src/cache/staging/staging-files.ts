// Local files holding content being written (<cacheDir>/staging), and the recovery folder
// (<cacheDir>/recovery) where content goes when its upload failed for good, so nothing is lost.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { writeAt } from '../../shared/write-at.js';
import { DiskReserve } from '../disk-reserve.js';
import { FdHandle, type StagingHandle } from './fd-handle.js';

export interface ReceivedFile {
  path: string;
  size: number;
  /** Uppercase hex SHA-1 of the content, computed while it was written. */
  sha1: string;
}

/**
 * Empty staging files kept made ahead, so that a create does not wait for the cache disk (an rsync
 * of small files makes one per file). They are made on the event loop, one a turn between requests:
 * through libuv's pool each cost the loop more in the hand-off than the create itself (fd-handle.ts).
 */
const STOCK_FILES = 8;

/**
 * How long a staging file whose upload landed waits to be deleted with the others landed meanwhile
 * (removeSoon). Each unlink handed to libuv's pool alone woke one of its threads, which cost the
 * event loop about 0.2 ms on this VM (2,003 unlinks in the drain of the bench tree: 0.41 s of the
 * main thread, docs/benchmarks.md, session 18); handed over together, only the first few wake one.
 */
const REMOVE_BATCH_MS = 100;

interface OpenStagingFile {
  path: string;
  handle: StagingHandle;
}

export class StagingFiles {
  readonly recoveryDir: string;

  readonly space: DiskReserve;

  private made: Promise<unknown> | undefined;
  /** Empty files made ahead, open (opened again, each would cost a trip through libuv's pool). */
  private readonly stock: OpenStagingFile[] = [];
  private stocking: Promise<void> | undefined;
  private closed = false;
  /** Files removeSoon was given, not handed to the pool yet, and the timer that hands them over. */
  private readonly doomed: string[] = [];
  private doomTimer: NodeJS.Timeout | undefined;
  /** Unlinks handed over and not done yet (close waits for them). */
  private readonly removing = new Set<Promise<void>>();
  /** Batches of removeSoon handed to the pool so far. */
  removalBatches = 0;

  /** `dir` is <cacheDir>/staging; recovery goes next to it. `space` is the cache disk's, shared with the block cache. */
  constructor(readonly dir: string, space?: DiskReserve) {
    this.recoveryDir = path.join(path.dirname(dir), 'recovery');
    this.space = space ?? new DiskReserve(path.dirname(dir));
  }

  /** A new file with a unique name: empty, or sparse (a hole of `size` bytes, no disk used). */
  async create(size = 0): Promise<string> {
    const { path: file, handle } = await this.createOpen();
    try {
      if (size > 0) await handle.truncate(size);
    } finally {
      await handle.close();
    }
    return file;
  }

  /** A new empty file with a unique name, open for reading and writing (the caller closes it). */
  async createOpen(): Promise<OpenStagingFile> {
    const ready = this.stock.pop();
    this.restock();
    return ready ?? this.make();
  }

  /** Deletes the files made ahead and those removeSoon was given (a crash leaves them to removeUnreferenced); no more are made. */
  async close(): Promise<void> {
    this.closed = true;
    this.removeDoomed();
    await Promise.all(this.removing);
    await this.stocking;
    await Promise.all(this.stock.splice(0).map(async (file) => {
      await file.handle.close();
      await this.remove(file.path);
    }));
  }

  private async make(): Promise<OpenStagingFile> {
    const file = await this.newPath();
    return { path: file, handle: FdHandle.create(file) };
  }

  /** A unique path in the staging folder, made once: an rsync creates thousands of files, each of which paid for the mkdir. */
  private async newPath(): Promise<string> {
    await (this.made ??= fsp.mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      this.made = undefined;
      throw err;
    }));
    return path.join(this.dir, randomUUID());
  }

  private restock(): void {
    if (this.stocking || this.closed) return;
    this.stocking = (async () => {
      while (this.stock.length < STOCK_FILES && !this.closed) {
        await setImmediatePromise();
        if (!this.closed) this.stock.push(await this.make());
      }
    })()
      // A full disk or a missing folder: createOpen makes its own file and says why.
      .catch(() => undefined)
      .finally(() => {
        this.stocking = undefined;
      });
  }

  /** Makes the names of the staging files so far survive power loss (their content needs sync). */
  durable(): Promise<void> {
    return this.sync(this.dir);
  }

  /** fsync of a staging file (or the folder). */
  async sync(file: string): Promise<void> {
    const handle = await fsp.open(file, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Copies (streaming) a Readable into a new, fsynced staging file; returns the path. */
  async fromStream(src: NodeJS.ReadableStream | Readable): Promise<string> {
    return (await this.receive(src)).path;
  }

  /** As fromStream, and also returns the size and the SHA-1 computed on the way (for rapid upload). */
  async receive(src: NodeJS.ReadableStream | Readable): Promise<ReceivedFile> {
    const { path: file, handle } = await this.createOpen();
    const hash = createHash('sha1');
    let size = 0;
    try {
      const space = this.space;
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          const at = size;
          size += chunk.length;
          space.claim(chunk.length).then(() => writeAt(handle.fd, chunk, at)).then(() => done(), done);
        },
      });
      await pipeline(src, sink);
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await this.remove(file);
      throw err;
    }
    await handle.close();
    return { path: file, size, sha1: hash.digest('hex').toUpperCase() };
  }

  /** Deletes a staging file; one already gone is fine. One unlink: fs.rm's lstat and rimraf cost an rsync of small files a second per thousand. */
  async remove(file: string): Promise<void> {
    await fsp.unlink(file).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  }

  /**
   * Deletes a staging file nobody reads any more within REMOVE_BATCH_MS, together with the others
   * given meanwhile (an upload that landed). Until then it is a file no journal row names: a crash
   * leaves it to removeUnreferenced at the next start. A failure is not reported (nobody waits).
   */
  removeSoon(file: string): void {
    this.doomed.push(file);
    this.doomTimer ??= setTimeout(() => this.removeDoomed(), REMOVE_BATCH_MS).unref();
  }

  private removeDoomed(): void {
    clearTimeout(this.doomTimer);
    this.doomTimer = undefined;
    if (this.doomed.length === 0) return;
    this.removalBatches++;
    for (const file of this.doomed.splice(0)) {
      const done = this.remove(file).catch(() => undefined);
      this.removing.add(done);
      void done.finally(() => this.removing.delete(done));
    }
  }

  /** Moves a staging file to <cacheDir>/recovery/<timestamp>-<name>; returns the new path. */
  async recover(file: string, name: string): Promise<string> {
    await fsp.mkdir(this.recoveryDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const safe = name.replace(/[/\\\0]/g, '_') || 'unnamed';
    for (let n = 0; ; n++) {
      const target = path.join(this.recoveryDir, `${stamp}-${n === 0 ? '' : `${n}-`}${safe}`);
      // link + unlink rather than rename: never overwrite an earlier recovered file.
      try {
        await fsp.link(file, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      await fsp.unlink(file);
      return target;
    }
  }

  /** Deletes staging files not in `keep` (left behind by a crash before their journal row) nor made ahead; returns how many. */
  async removeUnreferenced(keep: Iterable<string>): Promise<number> {
    await this.stocking;
    const kept = new Set([...keep, ...this.stock.map((f) => f.path)].map((p) => path.resolve(p)));
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    const orphans = names.map((n) => path.join(this.dir, n)).filter((p) => !kept.has(path.resolve(p)));
    await Promise.all(orphans.map((p) => this.remove(p)));
    return orphans.length;
  }

  /** Streaming SHA-1 (uppercase hex) of a file. */
  static async sha1(file: string): Promise<string> {
    const hash = createHash('sha1');
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest('hex').toUpperCase();
  }
}

