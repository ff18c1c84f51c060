// recyclebin/trash, recyclebin/list, recyclebin/restore, recyclebin/clear and file/delete. Trashed
// entries keep counting toward used_size until deleted; deleting a folder deletes its subtree. Trash,
// restore and delete answer 204 when done and 202 with an async_task_id when left to a task
// (docs/pds-wire-protocol.md, Statuses); clear always runs as a task and answers 202.
import type { AsyncResult, Paged, PdsFile } from '../../pds/wire-types.js';
import { Reply, type Call, type EmulatorContext, type RouteTable } from '../context.js';
import { applyOrDefer, REMOVAL } from '../deferred.js';
import { notFound } from '../errors.js';
import { fileView } from '../file-view.js';
import { collectBlobs, recordChange } from '../mutations.js';
import { limitParam, optString, reqString } from '../params.js';
import { driveScope, findFile, requireAction, requireUser } from '../scope.js';
import type { FileRow } from '../store/files.js';
import { pageRows } from '../store/paging.js';
import type { EndedUpload } from '../store/uploads.js';

function done(call: Call, row: FileRow): AsyncResult {
  return { domain_id: call.ctx.seed.domainId, drive_id: row.drive_id, file_id: row.file_id, async_task_id: '' };
}

function trash(call: Call): Promise<Reply> {
  const { ctx } = call;
  const scope = driveScope(call);
  const row = findFile(call, scope, reqString(call.body, 'file_id'));
  requireAction(call, scope.driveId, row.file_id, 'FILE.DELETE');
  return applyOrDefer(call, done(call, row), REMOVAL, () => {
    const current = ctx.files.get(row.file_id);
    if (!current || current.trashed_by) throw notFound('File', row.file_id);
    ctx.sql.tx(() => {
      ctx.files.stampSubtree(row.file_id, null, row.file_id);
      ctx.files.update(row.file_id, { trashed_at: new Date().toISOString() });
      recordChange(ctx, 'trash', current);
    });
  });
}

function list(call: Call): Paged<PdsFile> {
  const { ctx, body } = call;
  const scope = driveScope(call);
  const { rows, nextMarker } = pageRows<FileRow & Record<string, unknown>>(ctx.sql, {
    from: 'files', where: 'drive_id = ? AND trashed_by = file_id', params: [scope.driveId],
    orderColumn: 'trashed_at', direction: 'DESC', limit: limitParam(body, 100, 100),
    marker: optString(body, 'marker'), tag: `recyclebin:${scope.driveId}`,
  });
  return { items: rows.map((r) => fileView(ctx, r, { fields: optString(body, 'fields') || '*' })), next_marker: nextMarker };
}

function restore(call: Call): Promise<Reply> {
  const { ctx } = call;
  const scope = driveScope(call);
  const fileId = reqString(call.body, 'file_id');
  const found = ctx.files.get(fileId);
  if (!found || found.drive_id !== scope.driveId || found.trashed_by !== fileId) throw notFound('File', fileId);
  requireAction(call, scope.driveId, fileId, 'FILE.RESTORE');
  return applyOrDefer(call, done(call, found), REMOVAL, () => ctx.sql.tx(() => {
    const row = ctx.files.get(fileId);
    if (!row || row.trashed_by !== fileId) throw notFound('File', fileId);
    // Back to the original folder if it is still there, else to the drive root.
    const parentGone = row.parent_file_id !== 'root' && !ctx.files.visible(row.drive_id, row.parent_file_id);
    ctx.files.stampSubtree(row.file_id, row.file_id, null);
    ctx.files.update(row.file_id, { trashed_at: null, ...(parentGone ? { parent_file_id: 'root' } : {}) });
    recordChange(ctx, 'restore', ctx.files.get(fileId) as FileRow);
  }));
}

/** Removes a row and its subtree for good: usage, upload sessions and unreferenced blobs go too. */
export function deleteTree(ctx: EmulatorContext, row: FileRow): EndedUpload[] {
  const rows = ctx.files.subtree(row.file_id);
  const bytes = rows.reduce((s, r) => s + (r.type === 'file' && r.status === 'available' ? r.size : 0), 0);
  const uploads = rows.flatMap((r) => ctx.uploads.ofFile(r.file_id).map((u) => ctx.uploads.end(u.upload_id)));
  ctx.files.deleteRows(rows.map((r) => r.file_id));
  const earlier = ctx.revisions.deleteOfFiles(rows.map((r) => r.file_id));
  ctx.accounts.addUsed(row.drive_id, -bytes);
  recordChange(ctx, 'delete', row);
  collectBlobs(ctx, [...rows.map((r) => r.blob_sha1), ...earlier]);
  return uploads;
}

function remove(call: Call): Promise<Reply> {
  const { ctx } = call;
  const scope = driveScope(call);
  const fileId = reqString(call.body, 'file_id');
  const found = ctx.files.get(fileId);
  if (!found || found.drive_id !== scope.driveId) throw notFound('File', fileId);
  requireAction(call, scope.driveId, fileId, 'FILE.DELETE');
  return applyOrDefer(call, done(call, found), REMOVAL, () => {
    const row = ctx.files.get(fileId);
    if (!row) throw notFound('File', fileId);
    const uploads = ctx.sql.tx(() => deleteTree(ctx, row));
    return Promise.all(uploads.map((u) => ctx.blobs.removeUpload(u))).then(() => undefined);
  });
}

function clear(call: Call): Reply {
  const { ctx } = call;
  const user = requireUser(call);
  const scope = driveScope(call);
  const roots = ctx.sql.all<FileRow>('SELECT * FROM files WHERE drive_id = ? AND trashed_by = file_id', scope.driveId);
  const taskId = ctx.tasks.start(user.user_id, roots.length, (progress) => {
    const uploads = ctx.sql.tx(() => roots.flatMap((r, i) => {
      const current = ctx.files.get(r.file_id);
      progress(i + 1);
      return current && current.trashed_by === current.file_id ? deleteTree(ctx, current) : [];
    }));
    for (const u of uploads) void ctx.blobs.removeUpload(u);
  });
  return new Reply(202, { domain_id: ctx.seed.domainId, drive_id: scope.driveId, file_id: '', async_task_id: taskId });
}

export const recyclebinRoutes: RouteTable = {
  '/v2/recyclebin/trash': { auth: 'user', handle: trash },
  '/v2/recyclebin/list': { auth: 'user', handle: list },
  '/v2/recyclebin/restore': { auth: 'user', handle: restore },
  '/v2/recyclebin/clear': { auth: 'user', handle: clear },
  '/v2/file/delete': { auth: 'user', handle: remove },
};
