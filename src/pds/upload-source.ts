// Where upload bytes come from, and how a size is cut into parts. A part must be re-sendable (a
// retry sends it again), so a file source reopens the byte range and a stream source keeps the
// current part (never more) in memory.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** PDS numbers parts 1–10,000 (docs/pds-wire-protocol.md, Uploads). */
export const MAX_PARTS = 10_000;
export const DEFAULT_MIN_PART_SIZE = 8 * 1024 * 1024;

export interface PartPlan {
  partSize: number;
  partCount: number;
}

/** Parts of at least minPartSize, enlarged (in steps of minPartSize) so that there are at most 10,000. */
export function planParts(size: number, minPartSize = DEFAULT_MIN_PART_SIZE): PartPlan {
  const steps = Math.max(1, Math.ceil(size / MAX_PARTS / minPartSize));
  const partSize = steps * minPartSize;
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

export interface UploadSource {
  readonly size: number;
  /** Parts can be asked for in any order, several at once (parallel parts, hashing apart from sending). */
  readonly random: boolean;
  /** Bytes [start, end) — a fresh body on every call. */
  part(start: number, end: number): Promise<Readable | Buffer>;
}

/**
 * Parts up to this size are read whole into memory, on the calling thread: one open, read and close,
 * where a stream costs a few more thread-pool trips and stream objects per part (most of a small
 * file's upload). A staging file just written is in the page cache, and those three calls made
 * synchronously cost this thread less than one trip through libuv's pool does (20–55 µs of its CPU
 * each on this VM). Eight uploads at once hold 2 MiB at most.
 */
const READ_WHOLE_BYTES = 256 * 1024;

/** Streams each part straight from disk; a small part is read into memory in one read. */
export function fileSource(path: string, size: number): UploadSource {
  return {
    size,
    random: true,
    async part(start, end) {
      if (end <= start) return Buffer.alloc(0);
      if (end - start <= READ_WHOLE_BYTES) return readRange(path, start, end);
      return createReadStream(path, { start, end: end - 1, highWaterMark: 1024 * 1024 });
    },
  };
}

function readRange(path: string, start: number, end: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const data = Buffer.allocUnsafe(end - start);
    for (let got = 0; got < data.length; ) {
      const bytesRead = readSync(fd, data, got, data.length - got, start + got);
      if (bytesRead === 0) throw Object.assign(new Error(`${path} ends before byte ${end}`), { code: 'EIO' });
      got += bytesRead;
    }
    return data;
  } finally {
    closeSync(fd);
  }
}

/** SHA-1 (upper-case hex) of bytes [0, limit) of a random-access source, read part by part. */
export async function sourceSha1(source: UploadSource, limit = source.size, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha1');
  const step = 8 * 1024 * 1024;
  for (let at = 0; at < limit; at += step) {
    signal?.throwIfAborted();
    const part = await source.part(at, Math.min(limit, at + step));
    if (Buffer.isBuffer(part)) hash.update(part);
    else for await (const chunk of part) hash.update(chunk as Buffer);
  }
  return hash.digest('hex').toUpperCase();
}

/** Small in-memory content. */
export function bufferSource(data: Buffer): UploadSource {
  return { size: data.length, random: true, part: async (start, end) => data.subarray(start, end) };
}

/**
 * Reads a one-pass stream of known size part by part. Parts must be asked for in increasing order
 * (repeating the current one is fine); skipped bytes are read and dropped. Holds one part in memory.
 */
export function streamSource(stream: Readable, size: number): UploadSource {
  let consumed = 0;
  let current: { start: number; end: number; data: Buffer } | undefined;
  let leftover: Buffer = Buffer.alloc(0);
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

  /** Reads the next n bytes; returns them only when keep (skipped bytes are never gathered). */
  async function take(n: number, keep: boolean): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let have = 0;
    while (have < n) {
      let chunk: Buffer;
      if (leftover.length > 0) {
        chunk = leftover;
        leftover = Buffer.alloc(0);
      } else {
        const step = await iterator.next();
        if (step.done) throw new Error(`upload stream ended after ${consumed + have} of ${size} bytes`);
        chunk = Buffer.isBuffer(step.value) ? step.value : Buffer.from(step.value);
      }
      const use = Math.min(chunk.length, n - have);
      if (keep) chunks.push(chunk.subarray(0, use));
      if (use < chunk.length) leftover = chunk.subarray(use);
      have += use;
    }
    consumed += n;
    return keep ? Buffer.concat(chunks, n) : Buffer.alloc(0);
  }

  return {
    size,
    random: false,
    async part(start, end) {
      if (current && current.start === start && current.end === end) return current.data;
      if (start < consumed) throw new Error('stream source cannot go back');
      await take(start - consumed, false);
      current = { start, end, data: await take(end - start, true) };
      return current.data;
    },
  };
}
