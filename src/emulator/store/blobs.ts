// Content-addressed file content: blobs/<2 hex>/<SHA1> under the data dir. Parts of open upload
// sessions live in uploads/<upload_id>-<part_number>, side by side: a folder per session cost a
// mkdir and an rmdir per small upload, the costliest steps of it (ext4 allocates directory inodes
// with care). Large content is streamed, never buffered whole.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { EndedUpload } from './uploads.js';

/** SHA-1s of content already read once (a whole file sent as one part, hashed while it arrived). */
export interface ContentHashes {
  sha1: string;
  preSha1: string;
  size: number;
}

export interface PendingBlob {
  file: string;
  isPart: boolean;
  sha1: string;
  preSha1: string;
  size: number;
}

const INGEST_CHUNK_BYTES = 1 << 20;
const TMP_PREFIX = '.tmp-';

/** SHA-1 of the first 1024 bytes: the pre_hash probe of rapid upload. */
export const PRE_HASH_BYTES = 1024;

export class BlobStore {
  private readonly blobDir: string;
  private readonly uploadDir: string;
  private readonly tmpDir: string;
  /** Hashes of whole-file parts by part path, so completing them reads nothing back (memory only: after a restart the part is read). */
  private readonly partHashes = new Map<string, ContentHashes>();
  /** Blob prefix dirs known to exist (they are never removed while the server runs). */
  private readonly blobDirsMade = new Set<string>();

  /** `onReadBack` counts the bytes of stored parts read again to hash them at complete. */
  constructor(dataDir: string, private readonly onReadBack: (bytes: number) => void = () => undefined) {
    this.blobDir = path.join(dataDir, 'blobs');
    this.uploadDir = path.join(dataDir, 'uploads');
    this.tmpDir = path.join(dataDir, 'tmp');
  }

  /** `isOpen` says whether an upload session is still open (its parts are kept). */
  async init(isOpen: (uploadId: string) => boolean): Promise<void> {
    await fs.mkdir(this.blobDir, { recursive: true });
    await fs.mkdir(this.uploadDir, { recursive: true });
    await fs.rm(this.tmpDir, { recursive: true, force: true });
    await fs.mkdir(this.tmpDir, { recursive: true });
    await this.tidyUploads(isOpen);
  }

  /**
   * Before any request: removes what a crash left in uploads/ (temporary files of cut part PUTs, a
   * part written just before its session's row would have been), and moves the parts of a store
   * written by an older server (uploads/<upload_id>/<part_number>) to their place, so its open
   * sessions go on.
   */
  private async tidyUploads(isOpen: (uploadId: string) => boolean): Promise<void> {
    for (const entry of await fs.readdir(this.uploadDir, { withFileTypes: true })) {
      const at = path.join(this.uploadDir, entry.name);
      if (entry.isDirectory() && isOpen(entry.name)) {
        for (const part of await fs.readdir(at)) {
          if (/^\d+$/.test(part)) await fs.rename(path.join(at, part), this.partPath(entry.name, Number(part)));
        }
      }
      const part = /^([0-9A-F]{32})-\d+$/.exec(entry.name);
      if (!part || !isOpen(part[1]!)) await fs.rm(at, { recursive: true, force: true });
    }
  }

  blobPath(sha1: string): string {
    return path.join(this.blobDir, sha1.slice(0, 2), sha1);
  }

  partPath(uploadId: string, partNumber: number): string {
    return path.join(this.uploadDir, `${uploadId}-${partNumber}`);
  }

  /** A fresh temporary path next to the parts (same filesystem, so rename works). */
  partTempPath(): string {
    return path.join(this.uploadDir, `${TMP_PREFIX}${randomBytes(8).toString('hex')}`);
  }

  /** Records the hashes of a stored part that holds a whole file (taken while it was received). */
  rememberPartHashes(uploadId: string, partNumber: number, hashes: ContentHashes): void {
    this.partHashes.set(this.partPath(uploadId, partNumber), hashes);
  }

  /** Removes the part files of an ended session (the caller leaves out a part that became its blob). */
  async removeUpload({ uploadId, parts }: EndedUpload): Promise<void> {
    await Promise.all(parts.map((n) => {
      const part = this.partPath(uploadId, n);
      this.partHashes.delete(part);
      return fs.rm(part, { force: true });
    }));
  }

  /**
   * Concatenates files (the parts, in order) into a pending blob while hashing. A single part is
   * only hashed; placing it renames it. Nothing is visible until `place` runs, which is synchronous
   * so that it can share one step with the database commit (no garbage collection in between).
   */
  async ingest(sources: readonly string[]): Promise<PendingBlob> {
    const hash = createHash('sha1');
    const pre = createHash('sha1');
    let size = 0;
    const single = sources.length === 1 ? sources[0] : undefined;
    const known = single && this.partHashes.get(single);
    if (known) return { file: single, isPart: true, ...known };
    const tmp = single ?? path.join(this.tmpDir, randomBytes(8).toString('hex'));
    const out = single ? undefined : await fs.open(tmp, 'w');
    // One buffer for the whole ingest: a stream would allocate a fresh chunk per read, and those
    // outlive their use until the worker's next GC (tens of MiB of a daemon's RSS per large upload).
    const chunk = Buffer.allocUnsafe(INGEST_CHUNK_BYTES);
    try {
      for (const src of sources) {
        const input = await fs.open(src, 'r');
        try {
          for (let n; (n = (await input.read(chunk, 0, chunk.length, null)).bytesRead) > 0; ) {
            const data = chunk.subarray(0, n);
            hash.update(data);
            if (size < PRE_HASH_BYTES) pre.update(data.subarray(0, PRE_HASH_BYTES - size));
            size += n;
            this.onReadBack(n);
            if (out) await out.write(data);
          }
        } finally {
          await input.close();
        }
      }
      await out?.close();
    } catch (err) {
      await out?.close().catch(() => undefined);
      if (!single) await fs.rm(tmp, { force: true });
      throw err;
    }
    return { file: tmp, isPart: !!single, sha1: hash.digest('hex').toUpperCase(), preSha1: pre.digest('hex').toUpperCase(), size };
  }

  /**
   * Moves a pending blob to its content address; an existing blob of the same hash wins. True when
   * a part was moved (it needs no removal with its session).
   */
  place(p: PendingBlob): boolean {
    const dest = this.blobPath(p.sha1);
    if (existsSync(dest)) {
      // A part stays where it is and goes with its session; a temp file is ours to remove.
      if (!p.isPart) rmSync(p.file, { force: true });
      return false;
    }
    const dir = path.dirname(dest);
    if (!this.blobDirsMade.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.blobDirsMade.add(dir);
    }
    renameSync(p.file, dest);
    this.partHashes.delete(p.file);
    return p.isPart;
  }

  /** Drops a pending blob that will not be placed. */
  async discard(p: PendingBlob): Promise<void> {
    if (!p.isPart) await fs.rm(p.file, { force: true });
  }

  removeBlobSync(sha1: string): void {
    rmSync(this.blobPath(sha1), { force: true });
  }
}
