// /admin (outside /v2, only when enabled): read and change fault settings, read request stats.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PdsHttpError } from './errors.js';
import type { FaultSettings } from './faults.js';
import { parseJsonBody, readBody, sendJson } from './http-io.js';
import type { ServerDeps } from './server.js';

export async function handleAdmin(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (pathname === '/admin/faults' && req.method === 'GET') return sendJson(res, 200, deps.faults.settings);
  if (pathname === '/admin/faults' && req.method === 'POST') {
    const body = parseJsonBody(await readBody(req, 64 * 1024));
    try {
      deps.faults.set(body as Partial<FaultSettings>);
    } catch (err) {
      throw new PdsHttpError(400, 'InvalidParameter', (err as Error).message);
    }
    return sendJson(res, 200, deps.faults.settings);
  }
  if (pathname === '/admin/stats' && req.method === 'GET') return sendJson(res, 200, deps.ctx.stats);
  throw new PdsHttpError(404, 'NotFound', `No such admin path: ${req.method ?? ''} ${pathname}`);
}
