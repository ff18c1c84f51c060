// The local copy of a file being written: positional writes into a staging file, with the SHA-1
// kept up to date while writes are sequential, so rapid upload needs no second read of the data.
// A write is answered once its bytes are copied; past the file's first bytes it lands on the file
// behind (write-behind.ts), and every reader of the file here, and the commit before anything reads
// it by path, waits for that.
//
// A copy of an existing remote file starts empty (sparse) with that file as its base: bytes not yet
// written locally are read from the base, and a block is filled from the base only when a write
// first lands in part of it (one that covers it whole needs nothing). So opening a large file to append or patch a few bytes costs a few blocks, not
// a download of the whole file; fillAll() completes the copy before its upload.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import { ByteRanges } from '../shared/byte-ranges.js';
import { writeAt } from '../shared/write-at.js';
import { VfsError } from '../core/errors.js';
import type { StagedBase } from '../core/staged-base.js';
import { WriteBehind } from './write-behind.js';
import type { StagingHandle } from '../cache/staging/fd-handle.js';

export interface BaseSource {
  state: StagedBase;
  /**
   * Reads bytes of the base (through the block cache); fewer than asked only at its end. `alone`: a
   * read not part of a sequence (a write's fill), which should not start read-ahead.
   */
  read(into: Buffer, position: number, length: number, alone: boolean): Promise<number>;
  /** Granularity of fills from the base. */
  blockSize: number;
  /** Room on the cache disk for bytes about to be filled in. */
  claim?(bytes: number): Promise<void>;
  /** Called once the base is no longer needed: the copy is complete, or the file closed. */
  release?(): void;
}

interface OpenBase {
  source: BaseSource;
  limit: number;
  local: ByteRanges;
  /** Fills in progress, by block index (single flight: concurrent writes into one block). */
  fills: Map<number, Promise<void>>;
}

export class StagedFile {
  private hasher: Hash | null = createHash('sha1');
  private hashedUpTo = 0;
  private base: OpenBase | undefined;
  private readonly behind: WriteBehind;

  private constructor(
    readonly path: string,
    private readonly fd: StagingHandle,
    public size: number,
    base: BaseSource | undefined,
  ) {
    // Existing content was not hashed here; the hash is recomputed from the file when needed.
    if (size > 0) this.hasher = null;
    this.behind = new WriteBehind(fd.fd, path);
    if (base) this.base = { source: base, limit: base.state.limit, local: new ByteRanges(base.state.local), fills: new Map() };
  }

  /** A staging file just made, empty, with its open handle (StagingFiles.createOpen). */
  static created(path: string, fd: StagingHandle): StagedFile {
    return new StagedFile(path, fd, 0, undefined);
  }

  static async open(path: string, base?: BaseSource): Promise<StagedFile> {
    const fd = await fs.open(path, 'r+');
    try {
      const { size } = await fd.stat();
      return new StagedFile(path, fd, size, base);
    } catch (err) {
      await fd.close();
      throw err;
    }
  }

  async read(into: Buffer, offset: number, length: number, position: number): Promise<number> {
    if (position >= this.size) return 0;
    await this.behind.landed();
    const end = Math.min(this.size, position + length);
    const base = this.base;
    if (!base) return (await this.fd.read(into, offset, end - position, position)).bytesRead;
    for (const piece of base.local.pieces(position, end)) {
      const at = offset + piece.start - position;
      const fromBase = !piece.inSet && piece.start < base.limit;
      const pieceEnd = fromBase ? Math.min(piece.end, base.limit) : piece.end;
      await (fromBase ? this.readBase(base, into, at, piece.start, pieceEnd) : this.readLocal(into, at, piece.start, pieceEnd));
      // A piece reaching past the base's limit: its tail is local (zeros, or bytes written since).
      if (pieceEnd < piece.end) await this.readLocal(into, at + pieceEnd - piece.start, pieceEnd, piece.end);
    }
    return end - position;
  }

  /** Answers once the bytes are copied or landed (see write-behind.ts); fails with the errno of an earlier write that could not land, or of its own landing at once. */
  async write(from: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.behind.check();
    if (this.base) await this.makeLocal(this.base, position, position + length);
    if (this.behind.full(length)) await this.behind.roomFor(length);
    this.behind.check();
    const bytes = from.subarray(offset, offset + length);
    if (bytes.length === 0) return 0;
    const sequential = position === this.hashedUpTo;
    if (!sequential) this.hasher = null;
    if (!this.behind.landNow(bytes, position, this.hasher)) this.behind.add(bytes, position, this.hasher);
    if (sequential) this.hashedUpTo += bytes.length;
    this.size = Math.max(this.size, position + bytes.length);
    return bytes.length;
  }

  /** Resolves once every write so far is on the file (for a reader by path); throws if one failed. */
  landed(): Promise<void> {
    return this.behind.landed();
  }

  async truncate(size: number): Promise<void> {
    // A fill landing after the cut would grow the file again.
    if (this.base) await Promise.all(this.base.fills.values());
    await this.behind.landed();
    await this.fd.truncate(size);
    if (this.base) this.base.limit = Math.min(this.base.limit, size);
    if (size === 0) {
      this.hasher = createHash('sha1');
      this.hashedUpTo = 0;
    } else if (size !== this.hashedUpTo) {
      this.hasher = null;
    }
    this.size = size;
  }

  /** Copies every byte still only in the base into the staging file (before an upload reads it whole). */
  async fillAll(signal?: AbortSignal): Promise<void> {
    const base = this.base;
    if (!base) return;
    const { blockSize } = base.source;
    for (let block = 0; block * blockSize < base.limit; block++) {
      signal?.throwIfAborted();
      await this.fillBlock(base, block, false);
    }
    // Complete: from now on this is a plain staging file.
    if (this.base === base && base.local.gaps(0, base.limit).length === 0) {
      base.source.release?.();
      this.base = undefined;
    }
  }

  /** The base still needed by the staging copy, for the journal; null once the copy is complete. */
  baseState(): StagedBase | null {
    const base = this.base;
    if (!base || base.local.gaps(0, base.limit).length === 0) return null;
    const { volume, fileId, revision, size } = base.source.state;
    return { volume, fileId, revision, size, limit: base.limit, local: base.local.toJSON() };
  }

  /** Durable on disk when this returns. */
  async sync(): Promise<void> {
    await this.behind.landed();
    await this.fd.sync();
  }

  /** Uppercase hex SHA-1 when every byte went through sequential writes and has landed; null otherwise. */
  sha1(): string | null {
    if (!this.hasher || this.hashedUpTo !== this.size || this.behind.pending) return null;
    return this.hasher.copy().digest('hex').toUpperCase();
  }

  async close(): Promise<void> {
    this.base?.source.release?.();
    // A failure was reported to whoever committed the file; the fd must outlive its writes.
    await this.behind.settled();
    await this.fd.close();
  }

  /** Before a write of [start, end): blocks it only partly covers get their base bytes first. */
  private async makeLocal(base: OpenBase, start: number, end: number): Promise<void> {
    const { blockSize } = base.source;
    for (let block = Math.floor(start / blockSize); block * blockSize < Math.min(end, base.limit); block++) {
      const blockStart = block * blockSize;
      const blockEnd = Math.min(blockStart + blockSize, base.limit);
      if (!base.fills.has(block) && base.local.gaps(blockStart, blockEnd).length === 0) continue;
      if (start <= blockStart && end >= blockEnd) {
        // Overwritten whole: nothing to fetch, but a fill under way must land before this write. No
        // await otherwise: a fill started meanwhile would copy over this write.
        const fill = base.fills.get(block);
        if (fill) await fill;
        base.local.add(blockStart, blockEnd);
      } else {
        await this.fillBlock(base, block, true);
      }
    }
  }

  private fillBlock(base: OpenBase, block: number, alone: boolean): Promise<void> {
    let fill = base.fills.get(block);
    if (!fill) {
      fill = this.copyFromBase(base, block, alone).finally(() => base.fills.delete(block));
      base.fills.set(block, fill);
    }
    return fill;
  }

  private async copyFromBase(base: OpenBase, block: number, alone: boolean): Promise<void> {
    const blockStart = block * base.source.blockSize;
    const blockEnd = Math.min(blockStart + base.source.blockSize, base.limit);
    for (const [start, end] of base.local.gaps(blockStart, blockEnd)) {
      await base.source.claim?.(end - start);
      const buf = Buffer.allocUnsafe(end - start);
      await this.readBase(base, buf, 0, start, end, alone);
      await writeAt(this.fd.fd, buf, start);
      base.local.add(start, end);
      }
  }

  private async readBase(base: OpenBase, into: Buffer, at: number, start: number, end: number, alone = false): Promise<void> {
    for (let pos = start; pos < end; ) {
      const n = await base.source.read(into.subarray(at + pos - start, at + end - start), pos, end - pos, alone);
      if (n <= 0) throw new VfsError('EIO', `the remote content ended at ${pos} of ${base.source.state.size} bytes`);
      pos += n;
    }
  }

  private async readLocal(into: Buffer, at: number, start: number, end: number): Promise<void> {
    for (let pos = start; pos < end; ) {
      const { bytesRead } = await this.fd.read(into, at + pos - start, end - pos, pos);
      if (bytesRead === 0) {
        // Past the end of the file on disk: a hole, which reads as zeros.
        into.fill(0, at + pos - start, at + end - start);
        return;
      }
      pos += bytesRead;
    }
  }
}
