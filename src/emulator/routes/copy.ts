// file/copy: a file is copied at once (sharing its blob); a folder's top entry is created at once
// and the rest of its subtree by an async task. The source may be a share link (share_id +
// x-share-token) when a bearer token names the caller's own target drive.
import type { AsyncResult } from '../../pds/wire-types.js';
import { Reply, type Call, type EmulatorContext, type RouteTable } from '../context.js';
import { forbidden, invalidParam, missingParam, quotaExhausted } from '../errors.js';
import { newRevisionId } from '../ids.js';
import { newRow, recordChange, resolveName } from '../mutations.js';
import { validateName } from '../names.js';
import { optBool, optString, reqString } from '../params.js';
import { fileScope, findFile, findParentFolder, requireAction, requireUser, usableDrive } from '../scope.js';
import type { FileRow } from '../store/files.js';

function copyable(r: FileRow): boolean {
  return r.status === 'available' && !r.trashed_by;
}

/** Inserts a copy of `src` under `parentId` in `driveId`; returns the new row. */
function copyRow(ctx: EmulatorContext, src: FileRow, driveId: string, parentId: string, name: string, userId: string): FileRow {
  const row = ctx.files.insert(newRow({ driveId, parentId, name, type: src.type, creatorId: userId }, {
    size: src.type === 'file' ? src.size : 0,
    blob_sha1: src.blob_sha1,
    revision_id: src.type === 'file' ? newRevisionId() : null,
    content_type: src.content_type,
    description: src.description,
    user_meta: src.user_meta,
    hidden: src.hidden,
    labels: src.labels,
    local_created_at: src.local_created_at,
    local_modified_at: src.local_modified_at,
  }));
  if (row.type === 'file') ctx.accounts.addUsed(driveId, row.size);
  recordChange(ctx, 'create', row);
  return row;
}

/** Copies the descendants of `srcRootId` under the already created `topCopy`. */
function copyDescendants(ctx: EmulatorContext, srcRootId: string, topCopy: FileRow, userId: string, progress: (n: number) => void): void {
  ctx.sql.tx(() => {
    const idMap = new Map([[srcRootId, topCopy.file_id]]);
    let done = 0;
    for (const src of ctx.files.subtree(srcRootId).slice(1)) {
      const parent = idMap.get(src.parent_file_id);
      if (!parent || !copyable(src)) continue;
      idMap.set(src.file_id, copyRow(ctx, src, topCopy.drive_id, parent, src.name, userId).file_id);
      progress(++done);
    }
  });
}

/** 201 with the copy when done at once (a file), 202 naming the task that copies a folder's contents: the tea spec's statuses. */
function copy(call: Call): Reply {
  const { body, ctx } = call;
  const user = requireUser(call);
  const scope = fileScope(call, 'read');
  const src = findFile(call, scope, reqString(body, 'file_id'));
  if (scope.share?.disable_save) throw forbidden('ShareLink', 'Saving is disabled for this share link.');
  const toDriveId = optString(body, 'to_drive_id') || (scope.share ? '' : scope.driveId);
  if (!toDriveId) throw missingParam('to_drive_id');
  usableDrive(call, toDriveId);
  const toParent = findParentFolder(call, { driveId: toDriveId }, reqString(body, 'to_parent_file_id'), 'to_parent_file_id');
  requireAction(call, toDriveId, toParent, 'FILE.CREATE');
  if (src.type === 'folder' && toParent !== 'root' && ctx.files.isWithin(toParent, src.file_id)) {
    throw invalidParam('to_parent_file_id', 'A folder cannot be copied into itself or its own subtree.');
  }
  const newName = optString(body, 'new_name', 8192);
  const wanted = newName ? validateName(newName, 'new_name') : src.name;
  const mode = optBool(body, 'auto_rename') ? 'auto_rename' : 'ignore';
  const tree = src.type === 'folder' ? ctx.files.subtree(src.file_id) : [src];
  const bytes = tree.reduce((s, r) => s + (r.type === 'file' && copyable(r) ? r.size : 0), 0);

  const top = ctx.sql.tx(() => {
    if (bytes > ctx.accounts.freeBytes(toDriveId)) throw quotaExhausted(toDriveId);
    const { name } = resolveName(ctx, toDriveId, toParent, wanted, mode, src.type);
    return copyRow(ctx, src, toDriveId, toParent, name, user.user_id);
  });
  if (scope.share) ctx.shares.count(scope.share.share_id, 'save_count');
  const result: AsyncResult = { domain_id: ctx.seed.domainId, drive_id: toDriveId, file_id: top.file_id };
  if (src.type === 'file') return new Reply(201, result);
  result.async_task_id = ctx.tasks.start(user.user_id, tree.length - 1, (progress) => copyDescendants(ctx, src.file_id, top, user.user_id, progress));
  return new Reply(202, result);
}

export const copyRoutes: RouteTable = {
  '/v2/file/copy': { auth: 'user-or-share', handle: copy },
};
