// Share link rows. A link is usable while it is enabled, not cancelled and not past its expiration.
import type { Sql } from './sql.js';

export interface ShareRow {
  seq: number;
  share_id: string;
  drive_id: string;
  creator: string;
  share_pwd: string;
  share_name: string;
  description: string;
  /** ISO time or '' for never. */
  expiration: string;
  status: 'enabled' | 'disabled';
  cancelled: number;
  file_id_list: string;
  creatable: number;
  creatable_file_id_list: string;
  disable_preview: number;
  disable_save: number;
  disable_download: number;
  access_count: number;
  preview_count: number;
  save_count: number;
  download_count: number;
  created_at: string;
  updated_at: string;
}

export type NewShareRow = Omit<ShareRow, 'seq' | 'access_count' | 'preview_count' | 'save_count' | 'download_count' | 'cancelled'>;

export type ShareCounter = 'access_count' | 'preview_count' | 'save_count' | 'download_count';

export class ShareStore {
  constructor(private readonly sql: Sql) {}

  get(shareId: string): ShareRow | undefined {
    return this.sql.get<ShareRow>('SELECT * FROM share_links WHERE share_id = ?', shareId);
  }

  insert(row: NewShareRow): ShareRow {
    const cols = Object.keys(row);
    this.sql.run(`INSERT INTO share_links (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`, row);
    return this.get(row.share_id) as ShareRow;
  }

  update(shareId: string, patch: Partial<ShareRow>): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    this.sql.run(`UPDATE share_links SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE share_id = @share_id__`, { ...patch, share_id__: shareId });
  }

  count(shareId: string, counter: ShareCounter): void {
    this.sql.run(`UPDATE share_links SET ${counter} = ${counter} + 1 WHERE share_id = ?`, shareId);
  }
}

export function sharedIds(share: ShareRow): string[] {
  return JSON.parse(share.file_id_list) as string[];
}

export function isExpired(share: ShareRow, now = Date.now()): boolean {
  return share.expiration !== '' && Date.parse(share.expiration) <= now;
}
