// file/create: folders, new upload sessions, overwrite of an existing file by file_id, and rapid
// upload (content_hash of known content, or the pre_hash probe answering 409 PreHashMatched).
import type { CheckNameMode, CreateFileResponse, UploadPartInfo } from '../../pds/wire-types.js';
import type { Call, EmulatorContext, RouteTable } from '../context.js';
import { invalidParam, missingParam, notFound, PdsHttpError, quotaExhausted } from '../errors.js';
import { newRevisionId, newUploadId } from '../ids.js';
import { collectBlobs, newRow, recordChange, resolveName } from '../mutations.js';
import { validateName } from '../names.js';
import { optBool, optEnum, optInt, optString, optStringArray, optTime, reqString, type Body } from '../params.js';
import { fileScope, findParentFolder, requireAction, type Scope } from '../scope.js';
import type { FileRow } from '../store/files.js';

export const MAX_PARTS = 10_000;
const MAX_FILE_SIZE = 5 * 1024 ** 3 * MAX_PARTS;
const SHA1_HEX = /^[0-9a-fA-F]{40}$/;

/** Part numbers asked for in part_info_list (default: one part). */
export function partNumbers(body: Body): number[] {
  const list = body.part_info_list;
  if (list === undefined || list === null) return [1];
  if (!Array.isArray(list)) throw invalidParam('part_info_list', 'part_info_list must be a list.');
  if (list.length > MAX_PARTS) throw invalidParam('part_info_list', `part_info_list has more than ${MAX_PARTS} parts.`);
  const seen = new Set<number>();
  for (const item of list as unknown[]) {
    const n = (item as { part_number?: unknown } | null)?.part_number;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PARTS || seen.has(n)) {
      throw invalidParam('part_info_list', 'Each part needs a distinct part_number between 1 and 10000.');
    }
    seen.add(n);
  }
  return list.length === 0 ? [1] : [...seen];
}

export function partInfo(ctx: EmulatorContext, uploadId: string, partNumber: number): UploadPartInfo {
  const { url } = ctx.signer.sign('PUT', `/data/upload/${uploadId}/${partNumber}`, ctx.config.uploadUrlTtlSec);
  return { part_number: partNumber, upload_url: url, internal_upload_url: url, content_type: '' };
}

function hashParam(body: Body, key: string): string | undefined {
  const v = optString(body, key);
  if (v === undefined || v === '') return undefined;
  if (!SHA1_HEX.test(v)) throw invalidParam(key, `${key} must be a hex SHA-1.`);
  return v.toUpperCase();
}

function answer(ctx: EmulatorContext, row: FileRow, extra: Partial<CreateFileResponse>): CreateFileResponse {
  return {
    domain_id: ctx.seed.domainId, drive_id: row.drive_id, file_id: row.file_id, file_name: row.name,
    parent_file_id: row.parent_file_id, type: row.type, status: row.status, ...extra,
  };
}

function create(call: Call): CreateFileResponse {
  const { body, ctx } = call;
  const scope = fileScope(call, 'write');
  const type = optEnum(body, 'type', ['file', 'folder'] as const);
  if (!type) throw missingParam('type');
  const mode: CheckNameMode = optEnum(body, 'check_name_mode', ['ignore', 'auto_rename', 'refuse'] as const) ?? 'ignore';
  const overwriteId = optString(body, 'file_id');
  if (overwriteId) {
    if (type !== 'file') throw invalidParam('type', 'Only files can be overwritten.');
    requireAction(call, scope.driveId, overwriteId, 'FILE.UPDATE');
    return overwrite(call, scope, overwriteId);
  }
  const parentId = findParentFolder(call, scope, reqString(body, 'parent_file_id'));
  requireAction(call, scope.driveId, parentId, 'FILE.CREATE');
  const wanted = validateName(reqString(body, 'name', 8192));
  const creatorId = call.user?.user_id ?? scope.share?.creator ?? '';
  const meta = {
    description: optString(body, 'description', 1024) ?? null,
    user_meta: optString(body, 'user_meta') ?? null,
    hidden: optBool(body, 'hidden') ? 1 : 0,
    local_created_at: optTime(body, 'local_created_at') ?? null,
    local_modified_at: optTime(body, 'local_modified_at') ?? null,
    labels: JSON.stringify(optStringArray(body, 'labels', 100, 128) ?? []),
  };
  const input = { driveId: scope.driveId, parentId, type, creatorId };

  if (type === 'folder') {
    return ctx.sql.tx(() => {
      const { name, existing } = resolveName(ctx, scope.driveId, parentId, wanted, mode, type);
      if (existing) return answer(ctx, existing, { exist: true });
      const row = ctx.files.insert(newRow({ ...input, name }, meta));
      recordChange(ctx, 'create', row);
      return answer(ctx, row, { exist: false });
    });
  }

  const size = optInt(body, 'size', 0, MAX_FILE_SIZE);
  if (size === undefined) throw missingParam('size');
  const parts = partNumbers(body);
  const contentType = optString(body, 'content_type', 256) || null;
  return ctx.sql.tx(() => {
    const { name, existing } = resolveName(ctx, scope.driveId, parentId, wanted, mode, type);
    if (existing) return answer(ctx, existing, { exist: true, rapid_upload: false });
    if (size > ctx.accounts.freeBytes(scope.driveId)) throw quotaExhausted(scope.driveId);
    const blob = matchingBlob(ctx, body, size);
    if (blob) {
      const row = ctx.files.insert(newRow({ ...input, name }, { ...meta, content_type: contentType, size, blob_sha1: blob, revision_id: newRevisionId() }));
      ctx.accounts.addUsed(scope.driveId, size);
      recordChange(ctx, 'create', row);
      return answer(ctx, row, { exist: false, rapid_upload: true, revision_id: row.revision_id ?? '' });
    }
    const uploadId = newUploadId();
    const row = ctx.files.insert(newRow({ ...input, name }, { ...meta, content_type: contentType, status: 'uploading', upload_id: uploadId }));
    return openSession(ctx, row, uploadId, size, parts, body);
  });
}

/** A new revision of an existing file; its current content stays visible until complete. */
function overwrite(call: Call, scope: Scope, fileId: string): CreateFileResponse {
  const { body, ctx } = call;
  const size = optInt(body, 'size', 0, MAX_FILE_SIZE);
  if (size === undefined) throw missingParam('size');
  const parts = partNumbers(body);
  return ctx.sql.tx(() => {
    const row = ctx.files.get(fileId);
    if (!row || row.drive_id !== scope.driveId || row.trashed_by) throw notFound('File', fileId);
    if (row.type !== 'file') throw invalidParam('file_id', 'A folder cannot be overwritten.');
    // The new revision's user_meta applies at once; the content only once the upload completes.
    const userMeta = optString(body, 'user_meta');
    if (userMeta !== undefined) {
      ctx.files.update(fileId, { user_meta: userMeta });
      row.user_meta = userMeta;
    }
    const oldSize = row.status === 'available' ? row.size : 0;
    if (size - oldSize > ctx.accounts.freeBytes(scope.driveId)) throw quotaExhausted(scope.driveId);
    const blob = matchingBlob(ctx, body, size);
    if (blob) {
      ctx.revisions.keep(row);
      const patch = { blob_sha1: blob, size, status: 'available' as const, revision_id: newRevisionId(), updated_at: new Date().toISOString(), last_modifier_id: call.user?.user_id ?? row.last_modifier_id };
      ctx.files.update(fileId, patch);
      ctx.accounts.addUsed(scope.driveId, size - oldSize);
      const updated = { ...row, ...patch };
      recordChange(ctx, row.status === 'available' ? 'overwrite' : 'create', updated);
      collectBlobs(ctx, [row.blob_sha1]);
      return answer(ctx, updated, { exist: false, rapid_upload: true, revision_id: patch.revision_id });
    }
    return openSession(ctx, row, newUploadId(), size, parts, body);
  });
}

/** The blob a rapid upload can reuse; throws 409 PreHashMatched when only the pre_hash matches. */
function matchingBlob(ctx: EmulatorContext, body: Body, size: number): string | undefined {
  const name = optString(body, 'content_hash_name');
  if (name && name.toLowerCase() !== 'sha1') throw invalidParam('content_hash_name', 'Only sha1 is supported.');
  const contentHash = hashParam(body, 'content_hash');
  if (contentHash) {
    return ctx.sql.get<{ sha1: string }>('SELECT sha1 FROM blobs WHERE sha1 = ? AND size = ?', contentHash, size)?.sha1;
  }
  const preHash = hashParam(body, 'pre_hash');
  if (preHash && ctx.sql.get('SELECT 1 FROM blobs WHERE pre_sha1 = ? AND size = ? LIMIT 1', preHash, size)) {
    throw new PdsHttpError(409, 'PreHashMatched', 'The pre_hash matches existing content; send content_hash to try a rapid upload.');
  }
  return undefined;
}

function openSession(ctx: EmulatorContext, row: FileRow, uploadId: string, size: number, parts: number[], body: Body): CreateFileResponse {
  ctx.uploads.create({
    upload_id: uploadId, file_id: row.file_id, size, parallel: optBool(body, 'parallel_upload') ? 1 : 0,
    content_hash: hashParam(body, 'content_hash') ?? null, created_at: new Date().toISOString(),
  });
  return answer(ctx, row, {
    status: 'uploading', upload_id: uploadId, rapid_upload: false, exist: false,
    part_info_list: parts.map((n) => partInfo(ctx, uploadId, n)),
  });
}

export const fileCreateRoutes: RouteTable = {
  // The spec answers file/create with 201 Created.
  '/v2/file/create': { auth: 'user-or-share', status: 201, handle: create },
};
