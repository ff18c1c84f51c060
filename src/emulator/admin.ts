// /admin (outside /v2, only when enabled): read and change fault settings, read and reset request
// stats, set what a user may do in a subtree or a whole team drive (permissions).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forbidden, notFound, PdsHttpError } from './errors.js';
import { type EmulatorContext, resetStats } from './context.js';
import type { FaultPatch, Faults } from './faults.js';
import { parseJsonBody, readBody, sendJson } from './http-io.js';
import { FILE_ACTIONS } from './store/permissions.js';

/** What the admin API reads and changes: the fault settings and the request counters. */
export interface AdminDeps {
  ctx: GrantContext & Pick<EmulatorContext, 'stats'>;
  faults: Faults;
}

export async function handleAdmin(deps: AdminDeps, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (pathname === '/admin/faults' && req.method === 'GET') return sendJson(res, 200, deps.faults.settings);
  if (pathname === '/admin/faults' && req.method === 'POST') {
    const body = parseJsonBody(await readBody(req, 64 * 1024));
    try {
      deps.faults.set(body as FaultPatch);
    } catch (err) {
      throw new PdsHttpError(400, 'InvalidParameter', (err as Error).message);
    }
    return sendJson(res, 200, deps.faults.settings);
  }
  // {key, count, silentAfter?}: the next count requests to key are done and their answers lost.
  if (pathname === '/admin/lost-answers' && req.method === 'POST') {
    const { key, count, silentAfter } = (parseJsonBody(await readBody(req, 64 * 1024)) ?? {}) as Record<string, unknown>;
    if (typeof key !== 'string' || typeof count !== 'number' || (silentAfter !== undefined && typeof silentAfter !== 'boolean')) {
      throw new PdsHttpError(400, 'InvalidParameter', 'expected {key: string, count: number, silentAfter?: boolean}');
    }
    try {
      deps.faults.loseAnswers(key, count, { silentAfter: silentAfter ?? false });
    } catch (err) {
      throw new PdsHttpError(400, 'InvalidParameter', (err as Error).message);
    }
    return sendJson(res, 200, { key, count });
  }
  if (pathname === '/admin/stats' && req.method === 'GET') return sendJson(res, 200, deps.ctx.stats);
  // A client measuring one phase (a benchmark) starts the counts and peaks afresh.
  if (pathname === '/admin/stats' && req.method === 'DELETE') {
    resetStats(deps.ctx.stats);
    res.writeHead(204).end();
    return;
  }
  if (pathname === '/admin/permissions' && req.method === 'POST') {
    const body = parseJsonBody(await readBody(req, 64 * 1024));
    const grant = permissionGrant(body, deps.ctx.seed.userId);
    const driveId = grantPermissions(deps.ctx, grant);
    await deps.ctx.sql.committed();
    return sendJson(res, 200, { drive_id: driveId, file_id: grant.fileId, user_id: grant.userId, action_list: grant.actions });
  }
  throw new PdsHttpError(404, 'NotFound', `No such admin path: ${req.method ?? ''} ${pathname}`);
}

export interface PermissionGrant {
  fileId: string;
  /** Needed for 'root' only: a file names its drive. */
  driveId?: string;
  userId: string;
  actions: readonly string[] | null;
}

type GrantContext = Pick<EmulatorContext, 'permissions' | 'seed' | 'files' | 'accounts' | 'sql'>;

/**
 * Sets what the user may do in the file's subtree, or with file_id 'root' in the whole drive; returns
 * the drive. As FileAddPermission documents it, 'root' takes a grant on a team drive only.
 */
export function grantPermissions(ctx: GrantContext, g: PermissionGrant): string {
  let driveId: string;
  if (g.fileId === 'root') {
    if (!g.driveId) throw new PdsHttpError(400, 'InvalidParameter.DriveId', "drive_id is required with file_id 'root'.");
    const drive = ctx.accounts.drive(g.driveId);
    if (!drive) throw notFound('Drive', g.driveId);
    if (drive.owner_type !== 'group') throw forbidden('File', "A whole-drive permission (file_id 'root') is for team drives only.");
    driveId = g.driveId;
  } else {
    const row = ctx.files.get(g.fileId);
    if (!row) throw notFound('File', g.fileId);
    driveId = row.drive_id;
  }
  ctx.permissions.set(driveId, g.fileId, g.userId, g.actions);
  return driveId;
}

/**
 * `{file_id, drive_id?, user_id?, action_list}`: what the user (default: the development user) may do
 * in the file's subtree, or in the whole team drive `drive_id` with file_id 'root'; `action_list:
 * null` clears it. The service sets this through roles and file permissions the local server does
 * not have; tests set it here.
 */
function permissionGrant(body: unknown, devUserId: string): PermissionGrant {
  const b = (body ?? {}) as Record<string, unknown>;
  const { file_id: fileId, drive_id: driveId, action_list: actions } = b;
  const userId = b.user_id ?? devUserId;
  if (typeof fileId !== 'string' || fileId === '') throw new PdsHttpError(400, 'InvalidParameter.FileId', "file_id must name a file, a folder or 'root'.");
  if (driveId !== undefined && typeof driveId !== 'string') throw new PdsHttpError(400, 'InvalidParameter.DriveId', 'drive_id must be a string.');
  if (typeof userId !== 'string') throw new PdsHttpError(400, 'InvalidParameter.UserId', 'user_id must be a string.');
  const known = new Set<string>(FILE_ACTIONS);
  if (actions !== null && !(Array.isArray(actions) && actions.every((a) => typeof a === 'string' && known.has(a)))) {
    throw new PdsHttpError(400, 'InvalidParameter.ActionList', `action_list must be null or a list of: ${FILE_ACTIONS.join(', ')}.`);
  }
  return { fileId, ...(driveId !== undefined ? { driveId } : {}), userId, actions: actions as string[] | null };
}
