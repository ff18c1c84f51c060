// Listing and lookup: file/list, file/get, file/get_by_path, file/search, file/get_download_url.
// Uploading and trashed entries are invisible to all of them.
import type { DownloadUrlResponse, Paged, PdsFile } from '../../pds/wire-types.js';
import type { Call, RouteTable } from '../context.js';
import { forbidden, invalidParam, notFound, PdsHttpError } from '../errors.js';
import { downloadUrl, fieldList, fileView, LIST_DEFAULT_FIELDS } from '../file-view.js';
import { limitParam, optBool, optEnum, optInt, optString, optStringArray, reqString } from '../params.js';
import { driveScope, fileScope, findFile, usableDrive, viewer } from '../scope.js';
import { compileQuery } from '../search-query.js';
import type { FileRow } from '../store/files.js';
import { decodeMarker, pageRows } from '../store/paging.js';
import { revisionBlob } from './revisions.js';
import { sharedIds } from '../store/share-links.js';

const ORDER_FIELDS = ['created_at', 'updated_at', 'size', 'name'] as const;
const CATEGORIES = ['app', 'zip', 'image', 'doc', 'video', 'audio', 'others'] as const;

function urlExpireSec(call: Call): number {
  return optInt(call.body, 'url_expire_sec', 10, 14400) ?? 900;
}

function list(call: Call): Paged<PdsFile> {
  const { body, ctx } = call;
  const scope = fileScope(call, 'read');
  const parentId = reqString(body, 'parent_file_id');
  const limit = limitParam(body, 100, 50);
  const orderBy = optEnum(body, 'order_by', ORDER_FIELDS) ?? 'created_at';
  const direction = optEnum(body, 'order_direction', ['ASC', 'DESC'] as const) ?? 'ASC';
  const type = optEnum(body, 'type', ['file', 'folder'] as const);
  const category = optEnum(body, 'category', CATEGORIES);
  const status = optEnum(body, 'status', ['available', 'uploading'] as const) ?? 'available';
  const starred = optBool(body, 'starred');
  const fields = optString(body, 'fields') || LIST_DEFAULT_FIELDS;

  const conds = ['drive_id = ?', 'status = ?', 'trashed_by IS NULL'];
  const params: unknown[] = [scope.driveId, status];
  if (scope.share && parentId === 'root') {
    const ids = sharedIds(scope.share);
    conds.push(`file_id IN (${ids.map(() => '?').join(', ')})`);
    params.push(...ids);
  } else {
    if (parentId !== 'root') findFile(call, scope, parentId);
    conds.push('parent_file_id = ?');
    params.push(parentId);
  }
  const filter = (cond: string, value: unknown) => {
    conds.push(cond);
    params.push(value);
  };
  if (type) filter('type = ?', type);
  if (category) filter('pds_category(name, type) = ?', category);
  if (starred !== undefined) filter('starred = ?', starred ? 1 : 0);

  const { rows, nextMarker } = pageRows<FileRow & Record<string, unknown>>(ctx.sql, {
    from: 'files', where: conds.join(' AND '), params, orderColumn: orderBy, direction, limit,
    marker: optString(body, 'marker'),
    tag: JSON.stringify([scope.share?.share_id ?? scope.driveId, parentId, orderBy, direction, type, category, status, starred]),
  });
  const opts = { fields: fieldList(fields), urlExpireSec: urlExpireSec(call), ...viewer(call, scope) };
  return { items: rows.map((r) => fileView(ctx, r, opts)), next_marker: nextMarker };
}

function get(call: Call): PdsFile {
  const scope = fileScope(call, 'read');
  const row = findFile(call, scope, reqString(call.body, 'file_id'));
  const revision = optString(call.body, 'revision_id');
  if (revision && revision !== row.revision_id) throw new PdsHttpError(404, 'NotFound.Revision', `The revision ${revision} cannot be found.`);
  return fileView(call.ctx, row, { fields: optString(call.body, 'fields') || '*', urlExpireSec: urlExpireSec(call), ...viewer(call, scope) });
}

function getByPath(call: Call): PdsFile {
  const scope = driveScope(call);
  const filePath = reqString(call.body, 'file_path', 1 << 16);
  const parts = filePath.split('/').filter((p) => p !== '');
  let row: FileRow | undefined;
  let parent = 'root';
  for (const name of parts) {
    row = call.ctx.files.childByName(scope.driveId, parent, name);
    if (!row) break;
    parent = row.file_id;
  }
  if (!row) throw new PdsHttpError(404, 'NotFound.File', `The resource file cannot be found. file_path: ${filePath}`);
  return fileView(call.ctx, row, { fields: optString(call.body, 'fields') || '*', urlExpireSec: urlExpireSec(call), ...viewer(call, scope) });
}

function search(call: Call): Paged<PdsFile> & { total_count?: number } {
  const { body, ctx } = call;
  const marker = optString(body, 'marker') || undefined;
  // With a marker the query is ignored: the marker carries the query it continues.
  const [driveIds, query, orderBy] = marker
    ? searchOfMarker(marker)
    : [searchDrives(call), optString(body, 'query', 4096) ?? '', optString(body, 'order_by', 128) || 'created_at ASC'];
  for (const d of driveIds) usableDrive(call, d);
  const m = /^\s*(name|created_at|updated_at|size)(?:\s+(ASC|DESC))?\s*$/i.exec(orderBy);
  if (!m) throw invalidParam('order_by', 'order_by must be "<name|created_at|updated_at|size> [ASC|DESC]".');
  const cond = compileQuery(query);
  const where = `drive_id IN (${driveIds.map(() => '?').join(', ')}) AND status = 'available' AND trashed_by IS NULL AND ${cond.sql}`;
  const params = [...driveIds, ...cond.params];
  const { rows, nextMarker } = pageRows<FileRow & Record<string, unknown>>(ctx.sql, {
    from: 'files', where, params, orderColumn: (m[1] as string).toLowerCase(), direction: (m[2]?.toUpperCase() ?? 'ASC') as 'ASC' | 'DESC',
    limit: limitParam(body, 100, 50), tag: JSON.stringify([driveIds, query, orderBy]), ...(marker ? { marker } : {}),
  });
  const result: Paged<PdsFile> & { total_count?: number } = {
    items: rows.map((r) => fileView(ctx, r, { urlExpireSec: urlExpireSec(call) })),
    next_marker: nextMarker,
  };
  if (optBool(body, 'return_total_count')) {
    result.total_count = ctx.sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM files WHERE ${where}`, ...params)?.n ?? 0;
  }
  return result;
}

function searchOfMarker(marker: string): [string[], string, string] {
  const tag = decodeMarker(marker).t;
  try {
    const [drives, query, orderBy] = JSON.parse(tag) as unknown[];
    if (Array.isArray(drives) && typeof query === 'string' && typeof orderBy === 'string') return [drives.map(String), query, orderBy];
  } catch {
    // falls through to the error below
  }
  throw invalidParam('marker', 'The marker does not belong to a search.');
}

function searchDrives(call: Call): string[] {
  const one = optString(call.body, 'drive_id');
  if (one) return [one];
  const many = optStringArray(call.body, 'drive_id_list', 100);
  if (!many || many.length === 0) throw invalidParam('drive_id', 'drive_id or drive_id_list is required.');
  return many;
}

function getDownloadUrl(call: Call): DownloadUrlResponse {
  const { body, ctx } = call;
  const scope = fileScope(call, 'read');
  const row = findFile(call, scope, reqString(body, 'file_id'));
  if (row.type !== 'file') throw invalidParam('file_id', 'A folder has no download URL.');
  if (scope.share?.disable_download) throw forbidden('ShareLink', 'Downloads are disabled for this share link.');
  const ttl = optInt(body, 'expire_sec', 1, 115200) ?? ctx.config.downloadUrlTtlSec;
  const fileName = optString(body, 'file_name', 1024);
  if (!row.blob_sha1) throw notFound('File', row.file_id);
  // revision_id picks an earlier content of the file (file/revision/list).
  const revisionId = optString(body, 'revision_id');
  const content = revisionId ? { ...row, ...revisionBlob(ctx, row, revisionId) } : row;
  const signed = downloadUrl(ctx, content, ttl, fileName || undefined);
  if (scope.share) ctx.shares.count(scope.share.share_id, 'download_count');
  return {
    url: signed.url,
    internal_url: signed.url,
    expiration: signed.expiration,
    method: 'GET',
    size: content.size,
    content_hash: content.blob_sha1 ?? '',
    content_hash_name: 'sha1',
  };
}

export const fileReadRoutes: RouteTable = {
  '/v2/file/list': { auth: 'user-or-share', handle: list },
  '/v2/file/get': { auth: 'user-or-share', handle: get },
  '/v2/file/get_by_path': { auth: 'user', handle: getByPath },
  '/v2/file/search': { auth: 'user', handle: search },
  '/v2/file/get_download_url': { auth: 'user-or-share', handle: getDownloadUrl },
};
