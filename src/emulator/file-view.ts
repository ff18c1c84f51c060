// File rows as PDS File objects. `fields` selects what is returned: '*' for everything, a comma
// list, or (file/list without fields) the documented reduced default set.
import type { PdsFile, PdsImageMedia } from '../pds/wire-types.js';
import type { EmulatorContext } from './context.js';
import { fileCategory, fileExtension, mimeType } from './file-kinds.js';
import type { FileRow } from './store/files.js';
import { sharedIds, type ShareRow } from './store/share-links.js';

export const LIST_DEFAULT_FIELDS = [
  'domain_id', 'drive_id', 'file_id', 'parent_file_id', 'name', 'type', 'status', 'size', 'file_extension',
  'category', 'starred', 'hidden', 'created_at', 'updated_at', 'local_created_at', 'local_modified_at', 'share_id',
];

/** Always returned, whatever `fields` asks for. */
const ESSENTIAL = ['domain_id', 'drive_id', 'file_id', 'parent_file_id', 'name', 'type'];

export interface ViewOptions {
  /** '*' (default), a comma list, or a field array. */
  fields?: string | readonly string[];
  share?: ShareRow;
  /** Adds signed download_url/url to available files (lifetime in seconds). */
  urlExpireSec?: number;
  /** The bearer's user: adds action_list, what that user may do with the file. */
  userId?: string;
}

/** The field names of a `fields` parameter; a listing reads it once, not per file. */
export function fieldList(fields: string | readonly string[] | undefined): readonly string[] | undefined {
  return typeof fields === 'string' ? fields.split(',').map((f) => f.trim()).filter(Boolean) : fields;
}

export function fileView(ctx: EmulatorContext, row: FileRow, opts: ViewOptions = {}): PdsFile {
  const full = fullView(ctx, row, opts);
  const wanted = fieldList(opts.fields);
  if (wanted?.includes('dir_size') && row.type === 'folder') full.size = ctx.files.visibleTreeSize(row.file_id);
  if (!wanted || wanted.includes('*')) return full;
  const out: Record<string, unknown> = {};
  for (const k of [...ESSENTIAL, ...wanted]) {
    const v = (full as unknown as Record<string, unknown>)[k === 'dir_size' ? 'size' : k];
    if (v !== undefined) out[k === 'dir_size' ? 'size' : k] = v;
  }
  return out as unknown as PdsFile;
}

function fullView(ctx: EmulatorContext, row: FileRow, opts: ViewOptions): PdsFile {
  const share = opts.share;
  const f: PdsFile = {
    domain_id: ctx.seed.domainId,
    drive_id: row.drive_id,
    file_id: row.file_id,
    parent_file_id: share && sharedIds(share).includes(row.file_id) ? 'root' : row.parent_file_id,
    name: row.name,
    type: row.type,
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
    file_extension: row.type === 'file' ? fileExtension(row.name) : '',
    description: row.description ?? '',
    hidden: !!row.hidden,
    starred: !!row.starred,
    labels: row.labels ? (JSON.parse(row.labels) as string[]) : [],
    trashed: !!row.trashed_by,
    creator_id: row.creator_id,
    last_modifier_id: row.last_modifier_id,
  };
  if (row.local_created_at) f.local_created_at = row.local_created_at;
  if (row.local_modified_at) f.local_modified_at = row.local_modified_at;
  if (row.user_meta !== null) f.user_meta = row.user_meta;
  if (row.trashed_at) f.trashed_at = row.trashed_at;
  if (row.upload_id) f.upload_id = row.upload_id;
  if (share) f.share_id = share.share_id;
  if (opts.userId) f.action_list = [...ctx.permissions.actionsOf(opts.userId, row.drive_id, row.file_id)];
  if (row.type === 'file') {
    f.size = row.size;
    f.category = fileCategory(row.name);
    f.content_type = row.content_type ?? 'application/oct-stream';
    f.mime_type = mimeType(row.name);
    if (row.blob_sha1) {
      f.content_hash = row.blob_sha1;
      f.content_hash_name = 'sha1';
    }
    if (row.revision_id) f.revision_id = row.revision_id;
    const media = row.blob_sha1 && f.category === 'image' ? ctx.sql.get<{ image_media: string | null }>('SELECT image_media FROM blobs WHERE sha1 = ?', row.blob_sha1)?.image_media : null;
    if (media) f.image_media_metadata = JSON.parse(media) as PdsImageMedia;
    if (opts.urlExpireSec && row.blob_sha1 && row.status === 'available') {
      const url = downloadUrl(ctx, row, opts.urlExpireSec).url;
      f.download_url = url;
      f.url = url;
    }
  }
  return f;
}

/** The signed URL of the row's current content (its blob), so a later overwrite cannot change it. */
export function downloadUrl(ctx: EmulatorContext, row: FileRow, ttlSec: number, fileName?: string) {
  const extra: Record<string, string> = {};
  if (fileName) extra['response-content-disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`;
  return ctx.signer.sign('GET', `/data/blob/${row.blob_sha1}`, ttlSec, extra);
}
