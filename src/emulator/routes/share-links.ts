// Share links, owner side (create, list, get, update, cancel) and anonymous side (get_by_anonymous,
// get_share_token). Access with the share token itself is handled by the file routes' scope.
import type { Paged, PdsShareAnonymous, PdsShareLink, ShareTokenResponse } from '../../pds/wire-types.js';
import { usableShare } from '../authenticate.js';
import { Reply, type Call, type EmulatorContext, type RouteTable } from '../context.js';
import { invalidParam, missingParam, notFound, PdsHttpError } from '../errors.js';
import { randomAlnum } from '../ids.js';
import { limitParam, optBool, optEnum, optInt, optString, optStringArray, parseTime, reqString, type Body } from '../params.js';
import { driveScope, findFile, requireUser } from '../scope.js';
import { pageRows } from '../store/paging.js';
import { isExpired, sharedIds, type ShareRow } from '../store/share-links.js';

function shareView(row: ShareRow): PdsShareLink {
  return {
    share_id: row.share_id, share_pwd: row.share_pwd, share_name: row.share_name, description: row.description,
    drive_id: row.drive_id, file_id_list: sharedIds(row), expiration: row.expiration, expired: isExpired(row),
    status: row.cancelled ? 'disabled' : row.status, creator: row.creator, created_at: row.created_at, updated_at: row.updated_at,
    disable_preview: !!row.disable_preview, disable_save: !!row.disable_save, disable_download: !!row.disable_download,
    creatable: !!row.creatable,
    access_count: row.access_count, preview_count: row.preview_count, save_count: row.save_count, download_count: row.download_count,
  };
}

function sharePwd(body: Body): string | undefined {
  const pwd = optString(body, 'share_pwd', 64);
  if (pwd !== undefined && !/^[\x21-\x7e]*$/.test(pwd)) throw invalidParam('share_pwd', 'share_pwd must be visible ASCII characters.');
  return pwd;
}

function expiration(body: Body): string | undefined {
  const v = optString(body, 'expiration', 64);
  if (v === undefined || v === '') return v;
  return parseTime(v, 'expiration');
}

function flags(body: Body): Partial<ShareRow> {
  const out: Partial<ShareRow> = {};
  for (const key of ['disable_preview', 'disable_save', 'disable_download', 'creatable'] as const) {
    const v = optBool(body, key);
    if (v !== undefined) out[key] = v ? 1 : 0;
  }
  // The upload flag under the name the JS SDK and the SDK guide use.
  const upload = optBool(body, 'enable_upload');
  if (upload !== undefined) out.creatable = upload ? 1 : 0;
  return out;
}

function create(call: Call): PdsShareLink {
  const { body, ctx } = call;
  const user = requireUser(call);
  const scope = driveScope(call);
  if (optBool(body, 'share_all_files')) throw invalidParam('share_all_files', 'share_all_files is not supported; list the files.');
  const ids = optStringArray(body, 'file_id_list', 100) ?? [];
  if (ids.length === 0) throw missingParam('file_id_list');
  const files = ids.map((id) => findFile(call, scope, id));
  const creatableIds = optStringArray(body, 'creatable_file_id_list', 100) ?? [];
  for (const id of creatableIds) findFile(call, scope, id);
  const now = new Date().toISOString();
  const row = ctx.shares.insert({
    share_id: randomAlnum(11), drive_id: scope.driveId, creator: user.user_id, share_pwd: sharePwd(body) ?? '',
    share_name: optString(body, 'share_name', 128) || (files[0]?.name ?? ''), description: optString(body, 'description', 1024) ?? '',
    expiration: expiration(body) ?? '', status: 'enabled', file_id_list: JSON.stringify(ids),
    creatable: 0, creatable_file_id_list: JSON.stringify(creatableIds), disable_preview: 0, disable_save: 0, disable_download: 0,
    created_at: now, updated_at: now, ...flags(body),
  });
  return shareView(row);
}

function ownShare(call: Call): ShareRow {
  const user = requireUser(call);
  const id = reqString(call.body, 'share_id');
  const row = call.ctx.shares.get(id);
  if (!row || (row.creator !== user.user_id && user.role === 'user')) throw notFound('ShareLink', id);
  return row;
}

function list(call: Call): Paged<PdsShareLink> {
  const { body, ctx } = call;
  const user = requireUser(call);
  const creator = optString(body, 'creator') || user.user_id;
  if (creator !== user.user_id && user.role === 'user') throw invalidParam('creator', 'Only administrators can list the share links of others.');
  const orderBy = optEnum(body, 'order_by', ['share_name', 'description', 'created_at', 'updated_at'] as const) ?? 'created_at';
  const direction = optEnum(body, 'order_direction', ['ASC', 'DESC'] as const) ?? 'DESC';
  const includeCancelled = optBool(body, 'include_cancelled') ?? false;
  const { rows, nextMarker } = pageRows<ShareRow & Record<string, unknown>>(ctx.sql, {
    from: 'share_links', where: `creator = ?${includeCancelled ? '' : ' AND cancelled = 0'}`, params: [creator],
    orderColumn: orderBy, direction, limit: limitParam(body, 100, 100), marker: optString(body, 'marker'),
    tag: JSON.stringify(['shares', creator, orderBy, direction, includeCancelled]),
  });
  return { items: rows.map(shareView), next_marker: nextMarker };
}

function update(call: Call): PdsShareLink {
  const { body, ctx } = call;
  const row = ownShare(call);
  if (row.cancelled) throw new PdsHttpError(400, 'ShareLink.Cancelled', `The share link ${row.share_id} has been cancelled.`);
  const patch: Partial<ShareRow> = { ...flags(body) };
  const pwd = sharePwd(body);
  const exp = expiration(body);
  const name = optString(body, 'share_name', 128);
  const description = optString(body, 'description', 1024);
  const status = optEnum(body, 'status', ['enabled', 'disabled'] as const);
  if (pwd !== undefined) patch.share_pwd = pwd;
  if (exp !== undefined) patch.expiration = exp;
  if (name) patch.share_name = name;
  if (description !== undefined) patch.description = description;
  if (status) patch.status = status;
  patch.updated_at = new Date().toISOString();
  ctx.shares.update(row.share_id, patch);
  return shareView(ctx.shares.get(row.share_id) as ShareRow);
}

/** The spec answers a cancel with 204 and no body. */
function cancel(call: Call): Reply {
  const row = ownShare(call);
  call.ctx.shares.update(row.share_id, { cancelled: 1, updated_at: new Date().toISOString() });
  return new Reply(204);
}

function creatorName(ctx: EmulatorContext, userId: string): string {
  return ctx.accounts.user(userId)?.nick_name ?? '';
}

function getByAnonymous(call: Call): PdsShareAnonymous {
  const share = usableShare(call.ctx, reqString(call.body, 'share_id'));
  return {
    share_name: share.share_name, creator_id: share.creator, creator_name: creatorName(call.ctx, share.creator),
    expiration: share.expiration, has_pwd: share.share_pwd !== '', updated_at: share.updated_at,
    // The SDK guide's anonymous share item names the upload flag enable_upload.
    disable_download: !!share.disable_download, enable_upload: !!share.creatable,
  };
}

function getShareToken(call: Call): ShareTokenResponse {
  const { body, ctx } = call;
  const share = usableShare(ctx, reqString(body, 'share_id'));
  const expireSec = optInt(body, 'expire_sec', 0, 7200) || 7200;
  if (share.share_pwd !== '' && (optString(body, 'share_pwd', 64) ?? '') !== share.share_pwd) {
    throw new PdsHttpError(400, 'InvalidResource.SharePwd', 'The share password is wrong or missing.');
  }
  ctx.shares.count(share.share_id, 'access_count');
  return ctx.tokens.issueShareToken(share.share_id, expireSec);
}

export const shareLinkRoutes: RouteTable = {
  // The spec answers share_link/create with 201 Created.
  '/v2/share_link/create': { auth: 'user', status: 201, handle: create },
  '/v2/share_link/list': { auth: 'user', handle: list },
  '/v2/share_link/get': { auth: 'user', handle: (call) => shareView(ownShare(call)) },
  '/v2/share_link/update': { auth: 'user', handle: update },
  '/v2/share_link/cancel': { auth: 'user', handle: cancel },
  '/v2/share_link/get_by_anonymous': { auth: 'none', handle: getByAnonymous },
  '/v2/share_link/get_share_token': { auth: 'none', handle: getShareToken },
};
