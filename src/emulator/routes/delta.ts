// The change feed: file/get_last_cursor and file/list_delta. Cursors are opaque to clients; they
// name the drive and the last change served.
import type { DeltaItem, DeltaResponse, PdsFile } from '../../pds/wire-types.js';
import type { Call, RouteTable } from '../context.js';
import { invalidParam } from '../errors.js';
import { optInt, optString } from '../params.js';
import { driveScope } from '../scope.js';

function encodeCursor(driveId: string, seq: number): string {
  return Buffer.from(`${driveId}:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string, driveId: string): number {
  const m = /^(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || m[1] !== driveId) throw invalidParam('cursor', 'The cursor is not valid for this drive.');
  return Number(m[2]);
}

function lastCursor(call: Call): { cursor: string } {
  const { driveId } = driveScope(call);
  return { cursor: encodeCursor(driveId, call.ctx.changes.lastSeq(driveId)) };
}

function listDelta(call: Call): DeltaResponse {
  const { driveId } = driveScope(call);
  const cursor = optString(call.body, 'cursor');
  const after = cursor ? decodeCursor(cursor, driveId) : 0;
  const limit = optInt(call.body, 'limit', 0, 100) || 100;
  const rows = call.ctx.changes.after(driveId, after, limit + 1);
  const page = rows.slice(0, limit);
  const items: DeltaItem[] = page.map((r) => ({
    file_id: r.file_id,
    op: r.op,
    ...(r.file_json ? { file: JSON.parse(r.file_json) as PdsFile } : {}),
  }));
  return { items, cursor: encodeCursor(driveId, page[page.length - 1]?.seq ?? after), has_more: rows.length > limit };
}

export const deltaRoutes: RouteTable = {
  '/v2/file/get_last_cursor': { auth: 'user', handle: lastCursor },
  '/v2/file/list_delta': { auth: 'user', handle: listDelta },
};
