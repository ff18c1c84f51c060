// A user's action_list per subtree: the row on a file holds for it and everything below it, down to
// the next row. A row on a drive's `root` holds for the whole drive (the service grants access to a
// team drive there: FileAddPermission, file_id "root"). Nothing set anywhere above a file means every
// action.
import type { Sql } from './sql.js';
import type { FileStore } from './files.js';

/**
 * The file actions named by the PDS documentation (the Scopes page of the developer guide, and the
 * JS SDK, which reads FILE.PREVIEW from `action_list`), in the order the local server lists them.
 */
export const FILE_ACTIONS = [
  'FILE.LIST', 'FILE.GET', 'FILE.PREVIEW', 'FILE.DOWNLOAD',
  'FILE.CREATE', 'FILE.UPDATE', 'FILE.MOVE', 'FILE.COPY', 'FILE.DELETE', 'FILE.RESTORE',
] as const;

export type FileAction = (typeof FILE_ACTIONS)[number];

export class PermissionStore {
  /** Any row at all: without one, no walk up the tree per file viewed. */
  private any: boolean;

  constructor(
    private readonly sql: Sql,
    private readonly files: FileStore,
  ) {
    this.any = !!sql.get('SELECT 1 FROM file_permissions LIMIT 1');
  }

  /** Sets (or, with null, clears) what `userId` may do in the subtree of `fileId` (or all of the drive: 'root'). */
  set(driveId: string, fileId: string, userId: string, actions: readonly string[] | null): void {
    if (actions === null) this.sql.run('DELETE FROM file_permissions WHERE drive_id = ? AND file_id = ? AND user_id = ?', driveId, fileId, userId);
    else {
      this.sql.run(
        'INSERT OR REPLACE INTO file_permissions (drive_id, file_id, user_id, action_list) VALUES (?, ?, ?, ?)',
        driveId, fileId, userId, JSON.stringify(actions),
      );
    }
    this.any = !!this.sql.get('SELECT 1 FROM file_permissions LIMIT 1');
  }

  /** The actions `userId` has on a file of the drive (or its 'root'): its own row, else the nearest ancestor's, else all. */
  actionsOf(userId: string, driveId: string, fileId: string): readonly string[] {
    if (!this.any) return FILE_ACTIONS;
    let id: string | undefined = fileId;
    for (let hops = 0; id && hops < 10_000; hops++) {
      const row = this.sql.get<{ action_list: string }>(
        'SELECT action_list FROM file_permissions WHERE drive_id = ? AND file_id = ? AND user_id = ?', driveId, id, userId,
      );
      if (row) return JSON.parse(row.action_list) as string[];
      id = id === 'root' ? undefined : this.files.get(id)?.parent_file_id;
    }
    return FILE_ACTIONS;
  }
}
