// file/revision/list, get, restore and delete: the contents a file had before it was replaced
// (the current content is listed too, as the latest version). Names as in the official PDS SDK.
import type { Paged, PdsFileRevision } from '../../pds/wire-types.js';
import type { Call, EmulatorContext, RouteTable } from '../context.js';
import { invalidParam, PdsHttpError } from '../errors.js';
import { downloadUrl } from '../file-view.js';
import { fileExtension } from '../file-kinds.js';
import { newRevisionId } from '../ids.js';
import { collectBlobs, recordChange } from '../mutations.js';
import { limitParam, optString, reqString } from '../params.js';
import { driveScope, findFile, requireUser } from '../scope.js';
import type { FileRow } from '../store/files.js';
import type { RevisionRow } from '../store/revisions.js';

/** A revision as the routes answer it: an earlier one's row, or the current content (latest). */
type Version = Omit<RevisionRow, 'seq' | 'file_id'> & { latest: boolean };

function notFoundRevision(id: string): PdsHttpError {
  return new PdsHttpError(404, 'NotFound.Revision', `The resource revision cannot be found. revision_id: ${id}`);
}

function fileOf(call: Call): FileRow {
  const row = findFile(call, driveScope(call), reqString(call.body, 'file_id'));
  if (row.type !== 'file') throw invalidParam('file_id', 'A folder has no revisions.');
  return row;
}

/** Newest first: the current content, then the earlier ones. */
function versions(ctx: EmulatorContext, row: FileRow): Version[] {
  const earlier = ctx.revisions.of(row.file_id).map((r: RevisionRow): Version => ({ ...r, latest: false }));
  if (!row.blob_sha1 || !row.revision_id) return earlier;
  const current: Version = {
    revision_id: row.revision_id, revision_version: (earlier[0]?.revision_version ?? 0) + 1, name: row.name, size: row.size,
    blob_sha1: row.blob_sha1, created_at: row.updated_at, updated_at: row.updated_at, latest: true,
  };
  return [current, ...earlier];
}

function view(ctx: EmulatorContext, row: FileRow, v: Version): PdsFileRevision {
  const url = downloadUrl(ctx, { ...row, blob_sha1: v.blob_sha1 }, ctx.config.downloadUrlTtlSec).url;
  return {
    domain_id: ctx.seed.domainId, drive_id: row.drive_id, file_id: row.file_id, revision_id: v.revision_id,
    revision_name: v.name, revision_version: v.revision_version, size: v.size, file_extension: fileExtension(v.name),
    created_at: v.created_at, updated_at: v.updated_at, keep_forever: false, revision_description: '',
    is_latest_version: v.latest, content_hash: v.blob_sha1, content_hash_name: 'sha1', url, download_url: url,
  };
}

function find(call: Call, row: FileRow): Version {
  const id = reqString(call.body, 'revision_id');
  const v = versions(call.ctx, row).find((x) => x.revision_id === id);
  if (!v) throw notFoundRevision(id);
  return v;
}

function list(call: Call): Paged<PdsFileRevision> {
  const row = fileOf(call);
  const limit = limitParam(call.body, 100, 100);
  const marker = optString(call.body, 'marker');
  const all = versions(call.ctx, row);
  // The marker is the revision id to continue from; it survives new revisions at the front.
  const start = marker ? all.findIndex((v) => v.revision_id === marker) : 0;
  if (start < 0) throw invalidParam('marker', 'The input parameter marker is not valid.');
  const page = all.slice(start, start + limit);
  return { items: page.map((v) => view(call.ctx, row, v)), next_marker: all[start + limit]?.revision_id ?? '' };
}

function get(call: Call): PdsFileRevision {
  const row = fileOf(call);
  return view(call.ctx, row, find(call, row));
}

/** The chosen content becomes the file's content again, as a new latest revision. */
function restore(call: Call): PdsFileRevision {
  const { ctx } = call;
  const user = requireUser(call);
  const row = fileOf(call);
  const v = find(call, row);
  if (v.latest) return view(ctx, row, v);
  return ctx.sql.tx(() => {
    ctx.revisions.keep(row);
    const patch = { blob_sha1: v.blob_sha1, size: v.size, revision_id: newRevisionId(), updated_at: new Date().toISOString(), last_modifier_id: user.user_id };
    ctx.files.update(row.file_id, patch);
    ctx.accounts.addUsed(row.drive_id, v.size - row.size);
    const updated = { ...row, ...patch };
    recordChange(ctx, 'overwrite', updated);
    return view(ctx, updated, versions(ctx, updated)[0]!);
  });
}

function remove(call: Call): Record<string, never> {
  const { ctx } = call;
  requireUser(call);
  const row = fileOf(call);
  const v = find(call, row);
  if (v.latest) throw new PdsHttpError(400, 'InvalidParameter.RevisionId', 'The latest revision of a file cannot be deleted.');
  ctx.sql.tx(() => {
    ctx.revisions.delete(v.revision_id);
    collectBlobs(ctx, [v.blob_sha1]);
  });
  return {};
}

/** The blob of a file's revision (current or earlier), for file/get_download_url with revision_id. */
export function revisionBlob(ctx: EmulatorContext, row: FileRow, revisionId: string): { blob_sha1: string; size: number } {
  if (revisionId === row.revision_id && row.blob_sha1) return { blob_sha1: row.blob_sha1, size: row.size };
  const r = ctx.revisions.get(row.file_id, revisionId);
  if (!r) throw notFoundRevision(revisionId);
  return r;
}

export const revisionRoutes: RouteTable = {
  '/v2/file/revision/list': { auth: 'user', handle: list },
  '/v2/file/revision/get': { auth: 'user', handle: get },
  '/v2/file/revision/restore': { auth: 'user', handle: restore },
  '/v2/file/revision/delete': { auth: 'user', handle: remove },
};
