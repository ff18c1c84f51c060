// file/update (rename and metadata) and file/move (also across drives, with new_name). A move answers
// 200; under the asyncRate fault switch it names an async task that applies it a little later.
import type { AsyncResult, CheckNameMode, PdsFile } from '../../pds/wire-types.js';
import type { Call, Reply, RouteTable } from '../context.js';
import { applyOrDefer, MOVE } from '../deferred.js';
import { invalidParam, notFound, PdsHttpError, quotaExhausted } from '../errors.js';
import { fileView } from '../file-view.js';
import { recordChange, resolveName } from '../mutations.js';
import { validateName } from '../names.js';
import { optBool, optEnum, optString, optStringArray, optTime, reqString } from '../params.js';
import { driveScope, findFile, findParentFolder, requireAction, requireUser, usableDrive, viewer } from '../scope.js';
import type { NewFileRow } from '../store/files.js';

const MODES = ['ignore', 'auto_rename', 'refuse'] as const;

function checkNameMode(call: Call): CheckNameMode {
  return optEnum(call.body, 'check_name_mode', MODES) ?? (optBool(call.body, 'auto_rename') ? 'auto_rename' : 'ignore');
}

function update(call: Call): PdsFile {
  const { body, ctx } = call;
  const user = requireUser(call);
  const scope = driveScope(call);
  const row = findFile(call, scope, reqString(body, 'file_id'));
  requireAction(call, scope.driveId, row.file_id, 'FILE.UPDATE');
  const patch: Partial<NewFileRow> = {};
  const name = optString(body, 'name', 8192);
  const description = optString(body, 'description', 1024);
  const userMeta = optString(body, 'user_meta');
  const hidden = optBool(body, 'hidden');
  const starred = optBool(body, 'starred');
  const labels = optStringArray(body, 'labels', 100, 128);
  const localModified = optTime(body, 'local_modified_at');
  const localCreated = optTime(body, 'local_created_at');
  if (description !== undefined) patch.description = description;
  if (userMeta !== undefined) patch.user_meta = userMeta;
  if (hidden !== undefined) patch.hidden = hidden ? 1 : 0;
  if (starred !== undefined) patch.starred = starred ? 1 : 0;
  if (labels !== undefined) patch.labels = JSON.stringify(labels);
  if (localModified !== undefined) patch.local_modified_at = localModified;
  if (localCreated !== undefined) patch.local_created_at = localCreated;
  return ctx.sql.tx(() => {
    if (name !== undefined && name !== row.name) {
      const resolved = resolveName(ctx, row.drive_id, row.parent_file_id, validateName(name), checkNameMode(call), row.type, row.file_id);
      if (resolved.existing) throw new PdsHttpError(409, 'AlreadyExist.File', `A file named "${name}" already exists in this folder.`);
      patch.name = resolved.name;
    }
    // The answer is the File a get answers, the caller's action_list included.
    const view = viewer(call, scope);
    if (Object.keys(patch).length === 0) return fileView(ctx, row, view);
    Object.assign(patch, { updated_at: new Date().toISOString(), last_modifier_id: user.user_id });
    ctx.files.update(row.file_id, patch);
    const updated = { ...row, ...patch };
    recordChange(ctx, patch.name !== undefined ? 'rename' : 'update', updated);
    return fileView(ctx, updated, view);
  });
}

function move(call: Call): Promise<Reply> | (AsyncResult & { exist: true }) {
  const { body, ctx } = call;
  const user = requireUser(call);
  const scope = driveScope(call);
  const row = findFile(call, scope, reqString(body, 'file_id'));
  const toDriveId = optString(body, 'to_drive_id') || scope.driveId;
  if (toDriveId !== scope.driveId) usableDrive(call, toDriveId);
  const toParent = findParentFolder(call, { driveId: toDriveId }, reqString(body, 'to_parent_file_id'), 'to_parent_file_id');
  requireAction(call, scope.driveId, row.file_id, 'FILE.MOVE');
  requireAction(call, toDriveId, toParent, 'FILE.CREATE');
  if (toParent !== 'root' && ctx.files.isWithin(toParent, row.file_id)) {
    throw invalidParam('to_parent_file_id', 'A folder cannot be moved into itself or its own subtree.');
  }
  const newName = optString(body, 'new_name', 8192);
  const wanted = newName ? validateName(newName, 'new_name') : row.name;
  const mode = checkNameMode(call);
  const base = { domain_id: ctx.seed.domainId, drive_id: toDriveId, file_id: row.file_id, async_task_id: '' };
  const { name, existing } = resolveName(ctx, toDriveId, toParent, wanted, mode, row.type, row.file_id);
  if (existing) return { ...base, drive_id: scope.driveId, exist: true, file_name: row.name };
  const patch = { parent_file_id: toParent, name, updated_at: new Date().toISOString(), last_modifier_id: user.user_id };
  return applyOrDefer(call, { ...base, exist: false, file_name: name, updated_at: patch.updated_at }, MOVE, () => ctx.sql.tx(() => {
    const current = ctx.files.get(row.file_id);
    if (!current || current.drive_id !== scope.driveId) throw notFound('File', row.file_id);
    if (toDriveId === scope.driveId) {
      ctx.files.update(row.file_id, patch);
      recordChange(ctx, 'move', { ...current, ...patch });
    } else {
      moveAcrossDrives(call, row.file_id, scope.driveId, toDriveId, patch);
    }
  }));
}

/** The subtree changes drive: usage moves with it; the old drive logs a delete, the new one creates. */
function moveAcrossDrives(call: Call, fileId: string, fromDrive: string, toDrive: string, patch: Partial<NewFileRow>): void {
  const { ctx } = call;
  const rows = ctx.files.subtree(fileId);
  const bytes = rows.reduce((s, r) => s + (r.type === 'file' && r.status === 'available' ? r.size : 0), 0);
  if (bytes > ctx.accounts.freeBytes(toDrive)) throw quotaExhausted(toDrive);
  const root = rows[0];
  if (!root) return;
  recordChange(ctx, 'delete', root);
  for (const r of rows) ctx.files.update(r.file_id, r.file_id === fileId ? { ...patch, drive_id: toDrive } : { drive_id: toDrive });
  ctx.accounts.addUsed(fromDrive, -bytes);
  ctx.accounts.addUsed(toDrive, bytes);
  for (const r of rows) {
    const moved = ctx.files.get(r.file_id);
    if (moved && moved.status === 'available' && !moved.trashed_by) recordChange(ctx, 'create', moved);
  }
}

export const fileModifyRoutes: RouteTable = {
  '/v2/file/update': { auth: 'user', handle: update },
  '/v2/file/move': { auth: 'user', handle: move },
};
