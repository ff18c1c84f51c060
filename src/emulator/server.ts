// The HTTP front of the emulator: request ids on every answer, request counting, fault injection,
// dispatch to /v2 routes, data URLs and /admin, and the error boundary (no error leaks as a crash).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { handleAdmin } from './admin.js';
import { authenticate } from './authenticate.js';
import { Reply, type EmulatorContext, type RouteTable } from './context.js';
import { OssError, PdsHttpError } from './errors.js';
import type { Faults } from './faults.js';
import { drain, jsonBytes, parseFormBody, parseJsonBody, readBody, sendJson, sendJsonBytes, sendOssXml } from './http-io.js';
import { newRequestId } from './ids.js';
import { handleBlobRead } from './routes/download-data.js';
import { handlePartPut } from './routes/upload-data.js';

export interface ServerDeps {
  ctx: EmulatorContext;
  routes: RouteTable;
  faults: Faults;
  adminApi: boolean;
  /** Requests being served; close() waits for them before closing the database. */
  inflight: Set<Promise<void>>;
}

type Kind = 'api' | 'data' | 'admin' | 'other';

function kindOf(pathname: string): Kind {
  if (pathname.startsWith('/v2/')) return 'api';
  if (pathname.startsWith('/data/')) return 'data';
  if (pathname === '/admin' || pathname.startsWith('/admin/')) return 'admin';
  return 'other';
}

export function requestListener(deps: ServerDeps): RequestListener {
  return (req, res) => {
    const requestId = newRequestId();
    res.setHeader('x-ca-request-id', requestId);
    // The path only: query strings of data URLs carry signatures.
    res.once('finish', () => deps.ctx.log?.debug({ requestId, method: req.method, path: req.url?.split('?')[0], status: res.statusCode }, 'request'));
    const job = serve(deps, req, res, requestId)
      .catch((err: unknown) => answerError(deps, req, res, err, requestId))
      .catch(() => {
        res.destroy();
      });
    deps.inflight.add(job);
    void job.finally(() => deps.inflight.delete(job));
  };
}

async function serve(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const kind = kindOf(url.pathname);
  if (kind === 'admin') {
    if (!deps.adminApi) throw new PdsHttpError(404, 'NotFound', `No such path: ${url.pathname}`);
    return handleAdmin(deps, req, res, url.pathname);
  }
  if (kind === 'other') {
    await deps.faults.silence();
    throw new PdsHttpError(404, 'NotFound', `No such path: ${url.pathname}`);
  }

  const key = kind === 'api' ? url.pathname : dataKey(req.method, url.pathname);
  count(deps.ctx, key);
  const { inFlight, inFlightPeak } = deps.ctx.stats;
  inFlight[key] = (inFlight[key] ?? 0) + 1;
  inFlightPeak[key] = Math.max(inFlightPeak[key] ?? 0, inFlight[key]);
  try {
    // Held in flight (stats.inFlight shows it) while the network is silent.
    await deps.faults.silence();
    const lost = deps.faults.takeLostAnswer(key);
    if (!lost) return await respond(deps, req, res, url, kind, requestId, false);
    // The work is done (or refused) as usual; whatever the answer was, the client hears a 503.
    await respond(deps, req, res, url, kind, requestId, true).catch(() => undefined);
    if (lost.silentAfter) deps.faults.set({ silent: 1 });
    throw lostAnswer(kind);
  } finally {
    inFlight[key]--;
  }
}

function lostAnswer(kind: 'api' | 'data'): Error {
  return injectedError(kind, { status: 503, code: 'ServiceUnavailable', message: 'Service unavailable (injected: the answer was lost after the work was done).' });
}

/** An injected fault as the API (PDS's JSON error) or the data plane (OSS's XML error) answers it. */
function injectedError(kind: 'api' | 'data', e: { status: number; code: string; message: string; headers?: Record<string, string> }): Error {
  const Err = kind === 'api' ? PdsHttpError : OssError;
  return new Err(e.status, e.code, e.message, e.headers);
}

/** `lose`: the work is done but its answer is not sent (the caller answers in its place). */
async function respond(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL, kind: 'api' | 'data', requestId: string, lose: boolean): Promise<void> {
  const injected = await deps.faults.before();
  if (injected) throw injectedError(kind, injected);

  if (kind === 'data') return serveData(deps, req, res, url, lose);

  const route = deps.routes[url.pathname];
  if (!route) throw new PdsHttpError(404, 'NotFound', `No such API: ${url.pathname}`);
  if (req.method !== 'POST') throw new PdsHttpError(405, 'MethodNotAllowed', `${url.pathname} accepts POST only.`);
  const raw = await readBody(req);
  const body = route.form ? parseFormBody(raw, req.headers['content-type']) : parseJsonBody(raw);
  const call = authenticate(deps.ctx, route, { path: url.pathname, body, headers: req.headers, requestId });
  const result = await route.handle(call);
  deps.ctx.stats.handled[url.pathname] = (deps.ctx.stats.handled[url.pathname] ?? 0) + 1;
  const reply = result instanceof Reply ? result : new Reply(route.status ?? 200, result ?? {});
  await deps.ctx.sql.committed();
  if (lose) return;
  if (reply.body === undefined) {
    res.writeHead(reply.status);
    res.end();
    return;
  }
  const bytes = jsonBytes(reply.body);
  if (deps.faults.throttle.active) await deps.faults.throttle.pass(req.socket, bytes.length);
  sendJsonBytes(res, reply.status, bytes);
}

function serveData(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL, lose: boolean): Promise<void> {
  const drop = deps.faults.drop();
  if (req.method === 'PUT' && url.pathname.startsWith('/data/upload/')) return handlePartPut(deps.ctx, req, res, url, deps.faults.throttle, drop ? 'drop' : lose ? 'lose' : undefined);
  if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname.startsWith('/data/blob/')) {
    return handleBlobRead(deps.ctx, req, res, url, deps.faults.throttle, drop ? 'drop' : deps.faults.stall() ? 'stall' : undefined);
  }
  throw new OssError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
}

function dataKey(method: string | undefined, pathname: string): string {
  if (method === 'PUT' && pathname.startsWith('/data/upload/')) return 'PUT part';
  return `${method ?? 'GET'} data`;
}

function count(ctx: EmulatorContext, key: string): void {
  ctx.stats.requests[key] = (ctx.stats.requests[key] ?? 0) + 1;
}

async function answerError(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, err: unknown, requestId: string): Promise<void> {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  await drain(req);
  // An error may report what other requests of the same group changed (a part that exists, say).
  await deps.ctx.sql.committed().catch(() => undefined);
  if (res.destroyed) return;
  if (err instanceof OssError) {
    sendOssXml(res, err.status, err.code, err.message, requestId, err.headers);
    return;
  }
  if (err instanceof PdsHttpError) {
    sendJson(res, err.status, { code: err.code, message: err.message, request_id: requestId }, err.headers);
    return;
  }
  deps.ctx.log?.error({ err, requestId }, 'emulator request failed');
  const e = { code: 'InternalError', message: 'Internal server error.' };
  if (req.url?.startsWith('/data/')) sendOssXml(res, 500, e.code, e.message, requestId);
  else sendJson(res, 500, { ...e, request_id: requestId });
}
