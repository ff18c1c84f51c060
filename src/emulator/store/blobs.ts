// Content-addressed file content. Small content lives in SQLite (the contents table, referred to by
// blobs.content_id and, while its session is open, by upload_parts.content_id): a file per small
// upload cost an inode each, and ext4 here spends ~330 µs of kernel CPU creating one. Larger content
// lives in blobs/<2 hex>/<SHA1> under the data dir, streamed, never buffered whole; its parts lie in
// uploads/<upload_id>-<part_number>, side by side (a folder per session cost a mkdir and an rmdir).
// A blob row without content_id is a file: so are all blobs of a store written before contents.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from './sql.js';
import type { EndedUpload, PartRow } from './uploads.js';

/** SHA-1s of content already read once (a whole file sent as one part, hashed while it arrived). */
export interface ContentHashes {
  sha1: string;
  preSha1: string;
  size: number;
}

/** Content hashed at complete, not yet visible: a file (a part, or parts joined), a stored part's row, or parts joined in memory. */
export interface PendingBlob extends ContentHashes {
  at: { file: string; isPart: boolean } | { contentId: number } | { data: Buffer };
}

/** A blob to serve: its bytes when they live in SQLite, else its file. */
export type StoredBlob = { size: number; mtime: Date } & ({ data: Buffer } | { file: string });

/**
 * Content up to this size goes into SQLite. Measured on this machine (2,000 uploads accumulating,
 * CPU per blob): a file's create, write and rename against a SQLite insert, 4 KiB 416 / 74 µs,
 * 32 KiB 479 / 177, 64 KiB 587 / 373, 96 KiB 501 / 444, 128 KiB 451 / 604. SQLite writes each
 * 4 KiB page twice (the WAL, then the checkpoint), so past ~96 KiB the file's fixed cost wins.
 */
export const INLINE_MAX_BYTES = 64 * 1024;

const INGEST_CHUNK_BYTES = 1 << 20;
const TMP_PREFIX = '.tmp-';

/** SHA-1 of the first 1024 bytes: the pre_hash probe of rapid upload. */
const PRE_HASH_BYTES = 1024;

/** SHA-1 and pre-hash of content fed in order. */
export class ContentHasher {
  private readonly hash = createHash('sha1');
  private readonly pre = createHash('sha1');
  size = 0;

  update(data: Buffer): void {
    this.hash.update(data);
    if (this.size < PRE_HASH_BYTES) this.pre.update(data.subarray(0, PRE_HASH_BYTES - this.size));
    this.size += data.length;
  }

  digest(): ContentHashes {
    return { sha1: this.hash.digest('hex').toUpperCase(), preSha1: this.pre.digest('hex').toUpperCase(), size: this.size };
  }
}

export class BlobStore {
  private readonly blobDir: string;
  private readonly uploadDir: string;
  private readonly tmpDir: string;
  /** Hashes of whole-file parts by upload_id, so completing them reads nothing back (memory only: after a restart the part is read). */
  private readonly partHashes = new Map<string, ContentHashes>();
  /** Blob prefix dirs known to exist (they are never removed while the server runs). */
  private readonly blobDirsMade = new Set<string>();

  /** `onReadBack` counts the bytes of stored parts read again to hash them at complete. */
  constructor(dataDir: string, private readonly sql: Sql, private readonly onReadBack: (bytes: number) => void = () => undefined) {
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

  private blobPath(sha1: string): string {
    return path.join(this.blobDir, sha1.slice(0, 2), sha1);
  }

  private partPath(uploadId: string, partNumber: number): string {
    return path.join(this.uploadDir, `${uploadId}-${partNumber}`);
  }

  /** A fresh temporary path next to the parts (same filesystem, so rename works). */
  partTempPath(): string {
    return path.join(this.uploadDir, `${TMP_PREFIX}${randomBytes(8).toString('hex')}`);
  }

  /**
   * Stores a received part's bytes; runs in the transaction that adds its row. Returns the content
   * row holding a small part, or null when the part went to its file.
   */
  storePart(uploadId: string, partNumber: number, body: Buffer): number | null {
    if (body.length <= INLINE_MAX_BYTES) return this.addContent(body);
    writeFileSync(this.partPath(uploadId, partNumber), body);
    return null;
  }

  /** Moves a part streamed to `tmp` into its place (in the transaction that adds its row). */
  placeStreamedPart(uploadId: string, partNumber: number, tmp: string): null {
    renameSync(tmp, this.partPath(uploadId, partNumber));
    return null;
  }

  /** Records the hashes of a session's part 1 when it holds the whole file (taken while it was received). */
  rememberPartHashes(uploadId: string, hashes: ContentHashes): void {
    this.partHashes.set(uploadId, hashes);
  }

  /** Removes the part files of an ended session (its rows, and parts held in SQLite, went with the session). */
  async removeUpload({ uploadId, parts }: EndedUpload): Promise<void> {
    this.partHashes.delete(uploadId);
    // The files go once the rows that named them are gone for good (a crash before would keep the rows).
    if (parts.length > 0) await this.sql.committed();
    await Promise.all(parts.map((n) => fs.rm(this.partPath(uploadId, n), { force: true })));
  }

  /**
   * Hashes a session's parts (in order) into a pending blob. A single part is only hashed (placing
   * it moves it); several are joined, in memory when small, else into a temporary file. Nothing is
   * visible until `place` runs, which is synchronous so that it shares the database commit.
   */
  async ingest(uploadId: string, parts: readonly PartRow[]): Promise<PendingBlob> {
    const single = parts.length === 1 ? parts[0] : undefined;
    if (single) {
      const at: PendingBlob['at'] = single.content_id === null ? { file: this.partPath(uploadId, single.part_number), isPart: true } : { contentId: single.content_id };
      const known = this.partHashes.get(uploadId);
      if (known) return { at, ...known };
      const hasher = new ContentHasher();
      if ('file' in at) await this.readFile(at.file, hasher);
      else this.readBack(this.content(at.contentId), hasher);
      return { at, ...hasher.digest() };
    }
    const hasher = new ContentHasher();
    if (parts.reduce((s, p) => s + p.size, 0) <= INLINE_MAX_BYTES) {
      const chunks: Buffer[] = [];
      for (const p of parts) {
        if (p.content_id === null) await this.readFile(this.partPath(uploadId, p.part_number), hasher, (c) => chunks.push(Buffer.from(c)));
        else chunks.push(this.readBack(this.content(p.content_id), hasher));
      }
      return { at: { data: Buffer.concat(chunks) }, ...hasher.digest() };
    }
    const tmp = path.join(this.tmpDir, randomBytes(8).toString('hex'));
    const out = await fs.open(tmp, 'w');
    try {
      for (const p of parts) {
        if (p.content_id === null) await this.readFile(this.partPath(uploadId, p.part_number), hasher, (c) => out.write(c));
        else await out.write(this.readBack(this.content(p.content_id), hasher));
      }
      await out.close();
    } catch (err) {
      await out.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return { at: { file: tmp, isPart: false }, ...hasher.digest() };
  }

  /** Feeds a file to `hasher` (and `sink`, which is done with each chunk before the next read). */
  private async readFile(file: string, hasher: ContentHasher, sink?: (chunk: Buffer) => unknown): Promise<void> {
    // One buffer per file: a stream would allocate a fresh chunk per read, and those outlive their
    // use until the worker's next GC (tens of MiB of a daemon's RSS per large upload).
    const chunk = Buffer.allocUnsafe(INGEST_CHUNK_BYTES);
    const input = await fs.open(file, 'r');
    try {
      for (let n; (n = (await input.read(chunk, 0, chunk.length, null)).bytesRead) > 0; ) {
        const data = chunk.subarray(0, n);
        hasher.update(data);
        this.onReadBack(n);
        await sink?.(data);
      }
    } finally {
      await input.close();
    }
  }

  private readBack(data: Buffer, hasher: ContentHasher): Buffer {
    hasher.update(data);
    this.onReadBack(data.length);
    return data;
  }

  private content(id: number): Buffer {
    const row = this.sql.get<{ data: Buffer }>('SELECT data FROM contents WHERE id = ?', id);
    if (!row) throw new Error(`content ${id} is gone (its upload session ended)`);
    return row.data;
  }

  private addContent(data: Buffer): number {
    return Number(this.sql.run('INSERT INTO contents (data) VALUES (?)', data).lastInsertRowid);
  }

  /** The bytes of a pending blob, or its file, for a reader of its metadata. */
  pendingContent(p: PendingBlob): string | Buffer {
    if ('file' in p.at) return p.at.file;
    return 'data' in p.at ? p.at.data : this.content(p.at.contentId);
  }

  /**
   * Makes a pending blob its content address's (in the caller's transaction, with the blob's row);
   * an existing blob of the same hash wins. True when a part became the blob (its session's end
   * leaves it alone).
   */
  place(p: PendingBlob, imageMedia: string | null): boolean {
    const row = this.sql.get<{ content_id: number | null }>('SELECT content_id FROM blobs WHERE sha1 = ?', p.sha1);
    const exists = !!row && (row.content_id !== null || existsSync(this.blobPath(p.sha1)));
    let contentId: number | null = null;
    let moved = false;
    if (exists) {
      // A part stays where it is and goes with its session; a temp file is ours to remove.
      if ('file' in p.at && !p.at.isPart) rmSync(p.at.file, { force: true });
    } else if ('contentId' in p.at) {
      contentId = p.at.contentId;
      moved = true;
    } else if ('data' in p.at) {
      contentId = this.addContent(p.at.data);
    } else {
      const dest = this.blobPath(p.sha1);
      const dir = path.dirname(dest);
      if (!this.blobDirsMade.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.blobDirsMade.add(dir);
      }
      renameSync(p.at.file, dest);
      moved = p.at.isPart;
    }
    this.sql.run(
      `INSERT INTO blobs (sha1, size, pre_sha1, created_at, image_media, content_id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (sha1) DO UPDATE SET orphaned_at = NULL, image_media = COALESCE(image_media, excluded.image_media),
         content_id = COALESCE(content_id, excluded.content_id)`,
      p.sha1, p.size, p.preSha1, new Date().toISOString(), imageMedia, contentId,
    );
    return moved;
  }

  /** Drops a pending blob that will not be placed. */
  async discard(p: PendingBlob): Promise<void> {
    if ('file' in p.at && !p.at.isPart) await fs.rm(p.at.file, { force: true });
  }

  /** A blob's size, time and content; undefined when there is none of that hash. */
  async find(sha1: string): Promise<StoredBlob | undefined> {
    const row = this.sql.get<{ created_at: string; data: Buffer }>(
      'SELECT b.created_at, c.data FROM blobs b JOIN contents c ON c.id = b.content_id WHERE b.sha1 = ?', sha1,
    );
    if (row) return { size: row.data.length, mtime: new Date(row.created_at), data: row.data };
    const file = this.blobPath(sha1);
    const stat = await fs.stat(file).catch(() => undefined);
    return stat && { size: stat.size, mtime: stat.mtime, file };
  }

  /** Deletes a blob's row and its content (synchronous: no rapid upload may reuse it in between). */
  remove(sha1: string): void {
    const gone = this.sql.tx(() => {
      const row = this.sql.get<{ content_id: number | null }>('DELETE FROM blobs WHERE sha1 = ? RETURNING content_id', sha1);
      if (row?.content_id != null) this.sql.run('DELETE FROM contents WHERE id = ?', row.content_id);
      return row;
    });
    if (gone && gone.content_id === null) {
      // Committed first, so that a crash cannot keep the row of a file that went.
      this.sql.flush();
      rmSync(this.blobPath(sha1), { force: true });
    }
  }
}
