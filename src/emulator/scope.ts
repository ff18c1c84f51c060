// Which drive a call works on, and what it may see there: a drive the bearer's user can use, or
// (with share_id + x-share-token) the subtrees a share link covers, read-only unless creatable.
import type { Call } from './context.js';
import { forbidden, invalidParam, missingParam, notFound, PdsHttpError } from './errors.js';
import { optString, reqString } from './params.js';
import type { DriveRow, UserRow } from './store/accounts.js';
import type { FileRow } from './store/files.js';
import type { FileAction } from './store/permissions.js';
import { sharedIds, type ShareRow } from './store/share-links.js';

export interface Scope {
  driveId: string;
  share?: ShareRow;
}

/** The bearer's user (routes that also accept share tokens call this when they need one). */
export function requireUser(call: Call): UserRow {
  if (!call.user) throw new PdsHttpError(401, 'AccessTokenInvalid', 'AccessToken is invalid. An access token is required.');
  return call.user;
}

/** A drive the caller's user may use: 404 NotFound.Drive, 403 ForbiddenNoPermission.Drive. */
export function usableDrive(call: Call, driveId: string): DriveRow {
  const user = requireUser(call);
  const drive = call.ctx.accounts.drive(driveId);
  if (!drive) throw notFound('Drive', driveId);
  if (!call.ctx.accounts.canUse(user, drive)) throw forbidden('Drive', `No permission to use drive ${driveId}.`);
  return drive;
}

export function driveScope(call: Call, field = 'drive_id'): Scope {
  const driveId = reqString(call.body, field);
  usableDrive(call, driveId);
  return { driveId };
}

/** Drive or share scope, as the body asks; `write` refuses shares that are not creatable. */
export function fileScope(call: Call, access: 'read' | 'write'): Scope {
  const shareId = optString(call.body, 'share_id');
  if (!shareId) {
    if (!optString(call.body, 'drive_id')) throw missingParam('drive_id');
    return driveScope(call);
  }
  const share = call.share;
  if (!share) throw new PdsHttpError(401, 'ShareLinkTokenInvalid', 'ShareLinkToken is invalid. x-share-token is required.');
  if (access === 'write' && !share.creatable) throw forbidden('ShareLink', 'The share link is read-only.');
  return { driveId: share.drive_id, share };
}

/** Is the row one of the shared items or inside one of them? */
export function inShare(call: Call, share: ShareRow, row: FileRow): boolean {
  if (row.drive_id !== share.drive_id) return false;
  return sharedIds(share).some((id) => call.ctx.files.isWithin(row.file_id, id));
}

/** A visible file or folder of the scope; 404 NotFound.File otherwise. */
export function findFile(call: Call, scope: Scope, fileId: string): FileRow {
  const row = call.ctx.files.visible(scope.driveId, fileId);
  if (!row || (scope.share && !inShare(call, scope.share, row))) throw notFound('File', fileId);
  return row;
}

/** A folder that may hold new entries: 'root' or a visible folder of the scope. */
export function findParentFolder(call: Call, scope: Scope, parentId: string, field = 'parent_file_id'): string {
  if (parentId === 'root') {
    if (scope.share) throw forbidden('ShareLink', 'The root of a share link cannot hold new entries.');
    return 'root';
  }
  const row = findFile(call, scope, parentId);
  if (row.type !== 'folder') throw invalidParam(field, `The parent ${parentId} is not a folder.`);
  if (scope.share) {
    const allowed: string[] = JSON.parse(scope.share.creatable_file_id_list) as string[];
    if (allowed.length > 0 && !allowed.some((id) => call.ctx.files.isWithin(row.file_id, id))) {
      throw forbidden('ShareLink', 'The share link does not allow new entries in this folder.');
    }
  }
  return row.file_id;
}

/**
 * 403 ForbiddenNoPermission.File unless the bearer's user may do `action` on the file of the drive
 * (its action_list; for 'root', what the user was granted on the whole drive).
 */
export function requireAction(call: Call, driveId: string, fileId: string, action: FileAction): void {
  if (!call.user) return;
  if (!call.ctx.permissions.actionsOf(call.user.user_id, driveId, fileId).includes(action)) {
    throw forbidden('File', `No Permission to access resource File ${fileId}: ${action} is not allowed.`);
  }
}

/** Whose view a file answer is: the share link's, or the bearer's user's (with their action_list). */
export function viewer(call: Call, scope: Scope): { share: ShareRow } | { userId: string } | Record<string, never> {
  if (scope.share) return { share: scope.share };
  return call.user ? { userId: call.user.user_id } : {};
}
