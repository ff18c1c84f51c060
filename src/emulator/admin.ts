// /admin (outside /v2, only when enabled): read and change fault settings, read request stats, set
// what a user may do in a subtree (permissions).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PdsHttpError } from './errors.js';
import type { EmulatorContext } from './context.js';
import type { FaultPatch, Faults } from './faults.js';
import { parseJsonBody, readBody, sendJson } from './http-io.js';
import { FILE_ACTIONS } from './store/permissions.js';

/** What the admin API reads and changes: the fault settings and the request counters. */
export interface AdminDeps {
  ctx: Pick<EmulatorContext, 'stats' | 'permissions' | 'seed'>;
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
  if (pathname === '/admin/stats' && req.method === 'GET') return sendJson(res, 200, deps.ctx.stats);
  if (pathname === '/admin/permissions' && req.method === 'POST') {
    const body = parseJsonBody(await readBody(req, 64 * 1024));
    const grant = permissionGrant(body, deps.ctx.seed.userId);
    deps.ctx.permissions.set(grant.fileId, grant.userId, grant.actions);
    return sendJson(res, 200, { file_id: grant.fileId, user_id: grant.userId, action_list: grant.actions });
  }
  throw new PdsHttpError(404, 'NotFound', `No such admin path: ${req.method ?? ''} ${pathname}`);
}

/**
 * `{file_id, user_id?, action_list}`: what the user (default: the development user) may do in the
 * file's subtree; `action_list: null` clears it. The service sets this through roles and file
 * sharing the local server does not have; tests set it here.
 */
function permissionGrant(body: unknown, devUserId: string): { fileId: string; userId: string; actions: string[] | null } {
  const b = (body ?? {}) as Record<string, unknown>;
  const fileId = b.file_id;
  const userId = b.user_id ?? devUserId;
  const actions = b.action_list;
  if (typeof fileId !== 'string' || fileId === '' || fileId === 'root') throw new PdsHttpError(400, 'InvalidParameter.FileId', 'file_id must name a file or folder (a drive root has no permission field).');
  if (typeof userId !== 'string') throw new PdsHttpError(400, 'InvalidParameter.UserId', 'user_id must be a string.');
  const known = new Set<string>(FILE_ACTIONS);
  if (actions !== null && !(Array.isArray(actions) && actions.every((a) => typeof a === 'string' && known.has(a)))) {
    throw new PdsHttpError(400, 'InvalidParameter.ActionList', `action_list must be null or a list of: ${FILE_ACTIONS.join(', ')}.`);
  }
  return { fileId, userId, actions: actions as string[] | null };
}
