// Earlier contents of files. Replacing a file's content (file/complete, rapid upload, revision
// restore) first files the current content here, so it can be listed, downloaded and restored.
import type { FileRow } from './files.js';
import type { Sql } from './sql.js';

export interface RevisionRow {
  seq: number;
  revision_id: string;
  file_id: string;
  revision_version: number;
  name: string;
  size: number;
  blob_sha1: string;
  created_at: string;
  updated_at: string;
}

export class RevisionStore {
  constructor(private readonly sql: Sql) {}

  /** Files the row's current content as an earlier revision (no-op for folders and files without content). */
  keep(row: FileRow): void {
    if (row.type !== 'file' || row.status !== 'available' || !row.blob_sha1 || !row.revision_id) return;
    this.sql.run(
      `INSERT INTO revisions (revision_id, file_id, revision_version, name, size, blob_sha1, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (revision_id) DO NOTHING`,
      row.revision_id, row.file_id, this.count(row.file_id) + 1, row.name, row.size, row.blob_sha1, row.updated_at, row.updated_at,
    );
  }

  /** Earlier revisions of a file, newest first. */
  of(fileId: string): RevisionRow[] {
    return this.sql.all<RevisionRow>('SELECT * FROM revisions WHERE file_id = ? ORDER BY seq DESC', fileId);
  }

  get(fileId: string, revisionId: string): RevisionRow | undefined {
    return this.sql.get<RevisionRow>('SELECT * FROM revisions WHERE file_id = ? AND revision_id = ?', fileId, revisionId);
  }

  count(fileId: string): number {
    return this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM revisions WHERE file_id = ?', fileId)?.n ?? 0;
  }

  delete(revisionId: string): void {
    this.sql.run('DELETE FROM revisions WHERE revision_id = ?', revisionId);
  }

  /** Drops the revisions of deleted files; returns their blobs (for collection). */
  deleteOfFiles(fileIds: readonly string[]): string[] {
    const blobs: string[] = [];
    for (const id of fileIds) {
      for (const r of this.of(id)) blobs.push(r.blob_sha1);
      this.sql.run('DELETE FROM revisions WHERE file_id = ?', id);
    }
    return blobs;
  }
}
