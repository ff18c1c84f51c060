// The per-drive change log behind file/get_last_cursor and file/list_delta. Each mutation appends
// one row; the file snapshot is taken at the time of the change (none for delete and trash).
import type { DeltaOp, PdsFile } from '../../pds/wire-types.js';
import type { Sql } from './sql.js';

export interface ChangeRow {
  seq: number;
  drive_id: string;
  file_id: string;
  op: DeltaOp;
  file_json: string | null;
}

export class ChangeLog {
  constructor(private readonly sql: Sql) {}

  append(driveId: string, fileId: string, op: DeltaOp, file?: PdsFile): void {
    this.sql.run(
      'INSERT INTO changes (drive_id, file_id, op, file_json, created_at) VALUES (?, ?, ?, ?, ?)',
      driveId, fileId, op, file ? JSON.stringify(file) : null, new Date().toISOString(),
    );
  }

  lastSeq(driveId: string): number {
    return this.sql.get<{ s: number | null }>('SELECT MAX(seq) AS s FROM changes WHERE drive_id = ?', driveId)?.s ?? 0;
  }

  after(driveId: string, seq: number, limit: number): ChangeRow[] {
    return this.sql.all<ChangeRow>('SELECT * FROM changes WHERE drive_id = ? AND seq > ? ORDER BY seq LIMIT ?', driveId, seq, limit);
  }
}
