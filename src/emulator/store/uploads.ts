// Open upload sessions and their stored parts. A session ends (its rows vanish) on complete, or
// when its file is deleted; afterwards its upload_id answers NotFound.UploadId.
import type { Sql } from './sql.js';

export interface UploadRow {
  upload_id: string;
  file_id: string;
  size: number;
  parallel: number;
  /** Expected SHA-1 when the client declared one at create; verified at complete. */
  content_hash: string | null;
  created_at: string;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  size: number;
  etag: string;
  /** The contents row holding a small part; null when the part is a file (uploads/<upload_id>-<part_number>). */
  content_id: number | null;
}

/** A session ended in the database, and the part numbers it had stored as files (they go next). */
export interface EndedUpload {
  uploadId: string;
  parts: number[];
}

export class UploadStore {
  constructor(private readonly sql: Sql) {}

  create(row: UploadRow): void {
    this.sql.run(
      'INSERT INTO uploads (upload_id, file_id, size, parallel, content_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      row.upload_id, row.file_id, row.size, row.parallel, row.content_hash, row.created_at,
    );
  }

  get(uploadId: string): UploadRow | undefined {
    return this.sql.get<UploadRow>('SELECT * FROM uploads WHERE upload_id = ?', uploadId);
  }

  ofFile(fileId: string): UploadRow[] {
    return this.sql.all<UploadRow>('SELECT * FROM uploads WHERE file_id = ?', fileId);
  }

  part(uploadId: string, partNumber: number): PartRow | undefined {
    return this.sql.get<PartRow>('SELECT * FROM upload_parts WHERE upload_id = ? AND part_number = ?', uploadId, partNumber);
  }

  /** Stored parts after `afterPart`, in part order. */
  parts(uploadId: string, afterPart = 0, limit = 10_000): PartRow[] {
    return this.sql.all<PartRow>(
      'SELECT * FROM upload_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?',
      uploadId, afterPart, limit,
    );
  }

  /** How many of parts 1..n-1 are stored (sequential uploads need all of them before part n). */
  countBelow(uploadId: string, partNumber: number): number {
    const r = this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM upload_parts WHERE upload_id = ? AND part_number < ?', uploadId, partNumber);
    return r?.n ?? 0;
  }

  storedBytes(uploadId: string): number {
    const r = this.sql.get<{ n: number | null }>('SELECT SUM(size) AS n FROM upload_parts WHERE upload_id = ?', uploadId);
    return r?.n ?? 0;
  }

  addPart(part: PartRow): void {
    this.sql.run(
      'INSERT INTO upload_parts (upload_id, part_number, size, etag, content_id) VALUES (?, ?, ?, ?, ?)',
      part.upload_id, part.part_number, part.size, part.etag, part.content_id,
    );
  }

  /**
   * Ends a session: its parts held in SQLite go with it, save `keptPart` (which became a blob); its
   * part files are for BlobStore.removeUpload once the change is committed.
   */
  end(uploadId: string, keptPart?: number): EndedUpload {
    const parts = this.sql.all<{ part_number: number; content_id: number | null }>(
      'DELETE FROM upload_parts WHERE upload_id = ? RETURNING part_number, content_id', uploadId,
    );
    this.sql.run('DELETE FROM uploads WHERE upload_id = ?', uploadId);
    const files: number[] = [];
    for (const p of parts) {
      if (p.part_number === keptPart) continue;
      if (p.content_id === null) files.push(p.part_number);
      else this.sql.run('DELETE FROM contents WHERE id = ?', p.content_id);
    }
    return { uploadId, parts: files };
  }
}
