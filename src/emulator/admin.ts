// /admin (outside /v2, only when enabled): read and change fault settings, read and reset request stats.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PdsHttpError } from './errors.js';
import { type EmulatorContext, resetStats } from './context.js';
import type { FaultPatch, Faults } from './faults.js';
import { parseJsonBody, readBody, sendJson } from './http-io.js';

/** What the admin API reads and changes: the fault settings and the request counters. */
export interface AdminDeps {
  ctx: Pick<EmulatorContext, 'stats'>;
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
  // A client measuring one phase (a benchmark) starts the counts and peaks afresh.
  if (pathname === '/admin/stats' && req.method === 'DELETE') {
    resetStats(deps.ctx.stats);
    res.writeHead(204).end();
    return;
  }
  throw new PdsHttpError(404, 'NotFound', `No such admin path: ${req.method ?? ''} ${pathname}`);
}
