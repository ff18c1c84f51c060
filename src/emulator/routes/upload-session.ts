// The rest of an upload session: file/get_upload_url (fresh part URLs), file/list_uploaded_parts
// (resume), and file/complete, which joins the parts into a content-addressed blob (a whole file
// sent in one part was hashed as it arrived and only becomes the blob), checks the declared size (and
// content_hash, when one was declared), and makes the content visible.
import type { GetUploadUrlResponse, ListUploadedPartsResponse, PdsFile } from '../../pds/wire-types.js';
import type { Call, RouteTable } from '../context.js';
import { invalidParam, notFound } from '../errors.js';
import { fileView } from '../file-view.js';
import { newRevisionId } from '../ids.js';
import { imageMedia } from '../image-media.js';
import { collectBlobs, recordChange } from '../mutations.js';
import { optInt, optString, reqString } from '../params.js';
import { fileScope, inShare, type Scope, viewer } from '../scope.js';
import type { FileRow } from '../store/files.js';
import type { PartRow, UploadRow } from '../store/uploads.js';
import { partInfo, partNumbers } from './files-create.js';

interface Session {
  scope: Scope;
  upload: UploadRow;
  file: FileRow;
}

function openSession(call: Call): Session {
  const scope = fileScope(call, 'write');
  const fileId = reqString(call.body, 'file_id');
  const uploadId = reqString(call.body, 'upload_id');
  const file = call.ctx.files.get(fileId);
  if (!file || file.drive_id !== scope.driveId || file.trashed_by || (scope.share && !inShare(call, scope.share, file))) {
    throw notFound('File', fileId);
  }
  const upload = call.ctx.uploads.get(uploadId);
  if (!upload || upload.file_id !== fileId) throw notFound('UploadId', uploadId);
  return { scope, upload, file };
}

function getUploadUrl(call: Call): GetUploadUrlResponse {
  const { upload, file } = openSession(call);
  return {
    domain_id: call.ctx.seed.domainId, drive_id: file.drive_id, file_id: file.file_id, upload_id: upload.upload_id,
    create_at: upload.created_at,
    part_info_list: partNumbers(call.body).map((n) => partInfo(call.ctx, upload.upload_id, n)),
  };
}

function listUploadedParts(call: Call): ListUploadedPartsResponse {
  const { upload, file } = openSession(call);
  const limit = optInt(call.body, 'limit', 1, 1000) ?? 100;
  const rawMarker = call.body.part_number_marker;
  const marker = rawMarker === undefined || rawMarker === null || rawMarker === '' ? 0 : Number(rawMarker);
  if (!Number.isInteger(marker) || marker < 0) throw invalidParam('part_number_marker');
  const rows = call.ctx.uploads.parts(upload.upload_id, marker, limit + 1);
  const page = rows.slice(0, limit);
  return {
    file_id: file.file_id,
    upload_id: upload.upload_id,
    parallel_upload: !!upload.parallel,
    uploaded_parts: page.map((p) => ({ part_number: p.part_number, part_size: p.size, etag: `"${p.etag}"` })),
    next_part_number_marker: rows.length > limit ? String(page[page.length - 1]?.part_number ?? '') : '',
  };
}

/** Parts must be 1..n without gaps; etags sent with complete must match the stored ones. */
function checkParts(call: Call, parts: PartRow[], upload: UploadRow): void {
  parts.forEach((p, i) => {
    if (p.part_number !== i + 1) throw invalidParam('part_info_list', `Part ${i + 1} was never uploaded.`);
  });
  const sent = call.body.part_info_list;
  if (Array.isArray(sent)) {
    for (const item of sent as { part_number?: unknown; etag?: unknown }[]) {
      if (typeof item?.etag !== 'string' || item.etag === '') continue;
      const stored = parts.find((p) => p.part_number === item.part_number);
      if (!stored || stored.etag !== item.etag.replace(/"/g, '').toUpperCase()) {
        throw invalidParam('part_info_list', `The etag of part ${String(item.part_number)} does not match the uploaded part.`);
      }
    }
  }
  const total = parts.reduce((s, p) => s + p.size, 0);
  if (total !== upload.size) {
    throw invalidParam('size', `The uploaded parts hold ${total} bytes but the file was declared with size ${upload.size}.`);
  }
}

async function complete(call: Call): Promise<PdsFile> {
  const { ctx } = call;
  const { scope, upload, file } = openSession(call);
  const parts = ctx.uploads.parts(upload.upload_id);
  checkParts(call, parts, upload);
  const pending = await ctx.blobs.ingest(upload.upload_id, parts).catch((err: unknown) => {
    if (!ctx.uploads.get(upload.upload_id)) throw notFound('UploadId', upload.upload_id);
    throw err;
  });
  if (upload.content_hash && upload.content_hash !== pending.sha1) {
    await ctx.blobs.discard(pending);
    throw invalidParam('content_hash', `The content hash of the uploaded parts is ${pending.sha1}, not the declared ${upload.content_hash}.`);
  }
  const media = await imageMedia(file.name, () => ctx.blobs.pendingContent(pending));
  const done = ctx.sql.tx(() => {
    const current = ctx.files.get(file.file_id);
    if (!ctx.uploads.get(upload.upload_id) || !current) return undefined;
    const partMoved = ctx.blobs.place(pending, media ? JSON.stringify(media) : null);
    const wasAvailable = current.status === 'available';
    ctx.revisions.keep(current);
    const patch = {
      blob_sha1: pending.sha1, size: pending.size, status: 'available' as const, revision_id: newRevisionId(),
      upload_id: upload.upload_id, updated_at: new Date().toISOString(), last_modifier_id: call.user?.user_id ?? current.last_modifier_id,
    };
    ctx.files.update(current.file_id, patch);
    ctx.accounts.addUsed(current.drive_id, pending.size - (wasAvailable ? current.size : 0));
    // A single part that became the blob (1..n checked above) stays.
    const ended = ctx.uploads.end(upload.upload_id, partMoved ? 1 : undefined);
    const updated = { ...current, ...patch };
    if (!current.trashed_by) recordChange(ctx, wasAvailable ? 'overwrite' : 'create', updated);
    collectBlobs(ctx, [wasAvailable ? current.blob_sha1 : null]);
    return { updated, ended };
  });
  if (!done) {
    await ctx.blobs.discard(pending);
    throw notFound('UploadId', upload.upload_id);
  }
  await ctx.blobs.removeUpload(done.ended);
  // The File a get answers, the caller's action_list included.
  return fileView(ctx, done.updated, { fields: optString(call.body, 'fields') || '*', ...viewer(call, scope) });
}

export const uploadSessionRoutes: RouteTable = {
  '/v2/file/get_upload_url': { auth: 'user-or-share', handle: getUploadUrl },
  '/v2/file/list_uploaded_parts': { auth: 'user-or-share', handle: listUploadedParts },
  '/v2/file/complete': { auth: 'user-or-share', handle: complete },
};
