// File and folder rows. A row is visible (to list/get/search) when it is available and not in the
// recycle bin; trashing a folder stamps its whole subtree with trashed_by = the folder's id, so the
// subtree disappears and comes back as one unit.
import type { FileStatus, FileType } from '../../pds/wire-types.js';
import type { Sql } from './sql.js';

export interface FileRow {
  seq: number;
  file_id: string;
  drive_id: string;
  parent_file_id: string;
  name: string;
  type: FileType;
  status: FileStatus;
  trashed_by: string | null;
  trashed_at: string | null;
  size: number;
  blob_sha1: string | null;
  revision_id: string | null;
  content_type: string | null;
  upload_id: string | null;
  created_at: string;
  updated_at: string;
  local_created_at: string | null;
  local_modified_at: string | null;
  description: string | null;
  user_meta: string | null;
  hidden: number;
  starred: number;
  labels: string | null;
  creator_id: string;
  last_modifier_id: string;
}

export type NewFileRow = Omit<FileRow, 'seq'>;

export const VISIBLE = "status = 'available' AND trashed_by IS NULL";

export class FileStore {
  constructor(private readonly sql: Sql) {}

  get(fileId: string): FileRow | undefined {
    return this.sql.get<FileRow>('SELECT * FROM files WHERE file_id = ?', fileId);
  }

  visible(driveId: string, fileId: string): FileRow | undefined {
    return this.sql.get<FileRow>(`SELECT * FROM files WHERE file_id = ? AND drive_id = ? AND ${VISIBLE}`, fileId, driveId);
  }

  /** The oldest visible child with exactly this name (names are compared byte for byte). */
  childByName(driveId: string, parentId: string, name: string, exceptId = ''): FileRow | undefined {
    return this.sql.get<FileRow>(
      `SELECT * FROM files WHERE drive_id = ? AND parent_file_id = ? AND name = ? AND file_id <> ? AND ${VISIBLE} ORDER BY seq LIMIT 1`,
      driveId, parentId, name, exceptId,
    );
  }

  insert(row: NewFileRow): FileRow {
    const cols = Object.keys(row);
    const info = this.sql.run(
      `INSERT INTO files (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`,
      row,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  update(fileId: string, patch: Partial<NewFileRow>): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    this.sql.run(`UPDATE files SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE file_id = @file_id__`, { ...patch, file_id__: fileId });
  }

  /** The row and all its descendants, whatever their state, parents before children. */
  subtree(fileId: string): FileRow[] {
    return this.sql.all<FileRow>(
      `WITH RECURSIVE t(id, depth) AS (SELECT ?, 0 UNION ALL SELECT f.file_id, t.depth + 1 FROM files f JOIN t ON f.parent_file_id = t.id)
       SELECT files.* FROM t JOIN files ON files.file_id = t.id ORDER BY t.depth, files.seq`,
      fileId,
    );
  }

  /** Is `ancestorId` the row itself or one of its parents? */
  isWithin(fileId: string, ancestorId: string): boolean {
    let id: string | undefined = fileId;
    for (let hops = 0; id && id !== 'root' && hops < 10_000; hops++) {
      if (id === ancestorId) return true;
      id = this.get(id)?.parent_file_id;
    }
    return false;
  }

  /** Total size of the available files in a folder's subtree that are not in the recycle bin. */
  visibleTreeSize(fileId: string): number {
    return this.subtree(fileId).reduce((sum, r) => sum + (r.type === 'file' && r.status === 'available' && !r.trashed_by ? r.size : 0), 0);
  }

  /** Trash (`to` = the trashed root's id, on rows not yet trashed) or restore (`from` = that id, `to` = null). */
  stampSubtree(rootId: string, from: string | null, to: string | null): void {
    this.sql.run(
      `WITH RECURSIVE t(id) AS (SELECT ? UNION ALL SELECT f.file_id FROM files f JOIN t ON f.parent_file_id = t.id)
       UPDATE files SET trashed_by = ? WHERE file_id IN (SELECT id FROM t) AND trashed_by IS ?`,
      rootId, to, from,
    );
  }

  deleteRows(fileIds: readonly string[]): void {
    for (const id of fileIds) this.sql.run('DELETE FROM files WHERE file_id = ?', id);
  }

  /** Referenced by a file's current content or by one of its earlier revisions. */
  blobInUse(sha1: string): boolean {
    return !!this.sql.get('SELECT 1 FROM files WHERE blob_sha1 = ? UNION ALL SELECT 1 FROM revisions WHERE blob_sha1 = ? LIMIT 1', sha1, sha1);
  }
}
