// Steps shared by the routes that change files: name conflict handling (check_name_mode), the
// change log entry of a mutation, new rows, and removal of blobs no file refers to any more.
import type { CheckNameMode, DeltaOp, FileType } from '../pds/wire-types.js';
import type { EmulatorContext } from './context.js';
import { fileView } from './file-view.js';
import { newFileId } from './ids.js';
import { renameCandidates } from './names.js';
import type { FileRow, NewFileRow } from './store/files.js';

export interface ResolvedName {
  name: string;
  /** Set with `refuse` when a visible sibling already has the name. */
  existing?: FileRow;
}

export function resolveName(ctx: EmulatorContext, driveId: string, parentId: string, name: string, mode: CheckNameMode, type: FileType, exceptId = ''): ResolvedName {
  if (mode === 'ignore') return { name };
  const existing = ctx.files.childByName(driveId, parentId, name, exceptId);
  if (!existing) return { name };
  if (mode === 'refuse') return { name, existing };
  for (const candidate of renameCandidates(name, type === 'folder', new Date())) {
    if (!ctx.files.childByName(driveId, parentId, candidate, exceptId)) return { name: candidate };
  }
  throw new Error('unreachable: candidates are endless');
}

/** Appends to the drive's change log; delete and trash entries carry only the file id. */
export function recordChange(ctx: EmulatorContext, op: DeltaOp, row: FileRow): void {
  const withFile = op !== 'delete' && op !== 'trash';
  ctx.changes.append(row.drive_id, row.file_id, op, withFile ? fileView(ctx, row) : undefined);
}

export interface NewRowInput {
  driveId: string;
  parentId: string;
  name: string;
  type: FileType;
  creatorId: string;
}

/** A fresh row with server times; callers override what they know. */
export function newRow(input: NewRowInput, extra: Partial<NewFileRow> = {}): NewFileRow {
  const now = new Date().toISOString();
  return {
    file_id: newFileId(),
    drive_id: input.driveId,
    parent_file_id: input.parentId,
    name: input.name,
    type: input.type,
    status: 'available',
    trashed_by: null,
    trashed_at: null,
    size: 0,
    blob_sha1: null,
    revision_id: null,
    content_type: null,
    upload_id: null,
    created_at: now,
    updated_at: now,
    local_created_at: null,
    local_modified_at: null,
    description: null,
    user_meta: null,
    hidden: 0,
    starred: 0,
    labels: null,
    creator_id: input.creatorId,
    last_modifier_id: input.creatorId,
    ...extra,
  };
}

/**
 * Marks blobs that no file row refers to any more. They are removed later by `sweepBlobs`, so a
 * download URL issued before an overwrite or delete keeps serving the bytes it was issued for.
 */
export function collectBlobs(ctx: EmulatorContext, sha1s: Iterable<string | null>): void {
  for (const sha1 of new Set(sha1s)) {
    if (sha1 && !ctx.files.blobInUse(sha1)) ctx.sql.run('UPDATE blobs SET orphaned_at = ? WHERE sha1 = ? AND orphaned_at IS NULL', Date.now(), sha1);
  }
}
