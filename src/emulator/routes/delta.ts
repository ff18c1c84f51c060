// The change feed: file/get_last_cursor and file/list_delta. Cursors are opaque to clients; they
// name the drive, the last change served and when the cursor was handed out. A cursor not used for
// longer than the retention (cursorTtlMs) has expired: 400 InvalidParameter.Cursor, as for any
// cursor the server cannot continue from; the client starts over from get_last_cursor.
import type { DeltaItem, DeltaResponse, PdsFile } from '../../pds/wire-types.js';
import type { Call, RouteTable } from '../context.js';
import { invalidParam } from '../errors.js';
import { optInt, optString } from '../params.js';
import { driveScope } from '../scope.js';

function encodeCursor(driveId: string, seq: number): string {
  return Buffer.from(`${driveId}:${seq}:${Date.now()}`).toString('base64url');
}

function decodeCursor(call: Call, cursor: string, driveId: string): number {
  // Cursors of stores written before cursors carried their time have no third part: never expired.
  const m = /^(\d+):(\d+)(?::(\d+))?$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || m[1] !== driveId) throw invalidParam('cursor', 'The cursor is not valid for this drive.');
  if (m[3] !== undefined && Date.now() - Number(m[3]) >= call.ctx.config.cursorTtlMs) throw invalidParam('cursor', 'The cursor has expired.');
  return Number(m[2]);
}

function lastCursor(call: Call): { cursor: string } {
  const { driveId } = driveScope(call);
  return { cursor: encodeCursor(driveId, call.ctx.changes.lastSeq(driveId)) };
}

function listDelta(call: Call): DeltaResponse {
  const { driveId } = driveScope(call);
  const cursor = optString(call.body, 'cursor');
  const after = cursor ? decodeCursor(call, cursor, driveId) : 0;
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
