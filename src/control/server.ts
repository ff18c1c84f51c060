// The control server of a running serve or mount: small HTTP/JSON on a Unix socket (mode 0600, see
// socket-path.ts), and optionally the status page on a loopback port.
//   GET  /             the status page (HTML)
//   GET  /status       DaemonStatus (status-report.ts)
//   POST /cache/clear  {"force": bool}: empties the block cache; 409 while uploads are pending
//                      unless force. Only on the socket: the loopback port is read-only.
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from '../shared/logger.js';
import type { VfsAdmin } from '../vfs/admin.js';
import type { Volume } from '../vfs/volume.js';
import { recentLogEvents } from './log-events.js';
import { MAX_SOCKET_PATH_BYTES } from './socket-path.js';
import { buildStatus, type StatusSources } from './status-report.js';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './status-page.js';
import { ThroughputSampler } from './throughput.js';

export interface ControlOptions {
  socketPath: string;
  /** Serve the status page (read-only) on this loopback address too; port 0 picks one. */
  statusPage?: { host: '127.0.0.1'; port: number };
  logger: Logger;
  /** Shown by `pdsfs status`, e.g. "serve http://127.0.0.1:8080". */
  role?: string;
  /** Throughput sampling interval; default 10 s. */
  sampleIntervalMs?: number;
  /** A FUSE mount's request counts, for the status. */
  fuse?: StatusSources['fuse'];
}

export interface ControlServer {
  /** http://127.0.0.1:PORT/ when the status page is served. */
  readonly statusPageUrl?: string;
  close(): Promise<void>;
}

class ClearRefused extends Error {}

const MAX_BODY_BYTES = 4096;

/** What the control server reads and does of the running daemon. */
export interface ControlledApp {
  admin: StatusSources['admin'] & Pick<VfsAdmin, 'clearBlockCache'>;
  volumes: readonly Volume[];
}

export async function startControl(app: ControlledApp, opts: ControlOptions): Promise<ControlServer> {
  const { admin } = app;
  if (Buffer.byteLength(opts.socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`control socket path too long for a Unix socket (${MAX_SOCKET_PATH_BYTES} bytes at most): ${opts.socketPath}; choose a shorter --cache-dir`);
  }
  const events = recentLogEvents(opts.logger);
  const sampler = new ThroughputSampler(() => {
    const { blocks, sentBytes } = admin.status();
    return { downloadedBytes: blocks.fetchedBytes, uploadedBytes: sentBytes };
  }, opts.sampleIntervalMs);
  const startedAt = Date.now();
  const status = () =>
    buildStatus({ admin, volumes: app.volumes, role: opts.role ?? 'pdsfs', startedAt, recentErrors: () => events.list(), throughput: () => sampler.snapshot(), ...(opts.fuse ? { fuse: opts.fuse } : {}) });

  const clearCache = async (force: boolean) => {
    const { pendingFiles } = admin.status();
    if (pendingFiles > 0 && !force) {
      throw new ClearRefused(`${pendingFiles} upload${pendingFiles === 1 ? ' is' : 's are'} pending: the cache stays until they finish (--force clears the block cache anyway; pending uploads are never touched)`);
    }
    const before = admin.status().blocks;
    await admin.clearBlockCache();
    opts.logger.info({ memBytes: before.memBytes, diskBytes: before.diskBytes }, 'block cache cleared');
    return { cleared: true, freedBytes: before.memBytes + before.diskBytes };
  };

  const servers: http.Server[] = [];
  try {
    await fs.mkdir(path.dirname(opts.socketPath), { recursive: true, mode: 0o700 });
    // Left by an earlier process with this pid (killed, pid reused): nobody listens there any more.
    await fs.rm(opts.socketPath, { force: true });
    const socketServer = http.createServer((req, res) => void handle(req, res, { status, clearCache, writable: true }));
    servers.push(socketServer);
    await listen(socketServer, opts.socketPath);
    let statusPageUrl: string | undefined;
    if (opts.statusPage) {
      const { host, port } = opts.statusPage;
      const pageServer = http.createServer((req, res) => void handle(req, res, { status, clearCache, writable: false, hosts: loopbackHosts(pageServer) }));
      servers.push(pageServer);
      await listen(pageServer, { host, port });
      statusPageUrl = `http://${host}:${(pageServer.address() as AddressInfo).port}/`;
    }
    opts.logger.info({ socket: opts.socketPath, ...(statusPageUrl ? { statusPage: statusPageUrl } : {}) }, 'control server listening');
    return {
      ...(statusPageUrl ? { statusPageUrl } : {}),
      close: async () => {
        sampler.stop();
        await Promise.all(servers.map(closeServer));
        await fs.rm(opts.socketPath, { force: true });
      },
    };
  } catch (err) {
    sampler.stop();
    await Promise.all(servers.map(closeServer));
    throw err;
  }
}

interface Handlers {
  status: () => unknown;
  clearCache: (force: boolean) => Promise<unknown>;
  writable: boolean;
  /** Host headers accepted (loopback port only): a page of another site must not read ours by DNS rebinding. */
  hosts?: () => Set<string>;
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, h: Handlers): Promise<void> {
  try {
    if (h.hosts && !h.hosts().has((req.headers.host ?? '').toLowerCase())) return json(res, 421, { error: 'wrong Host for the pdsfs status page' });
    const url = new URL(req.url ?? '/', 'http://control');
    if (url.pathname === '/' && req.method === 'GET') return page(res);
    if (url.pathname === '/status' && req.method === 'GET') return json(res, 200, h.status());
    if (url.pathname === '/cache/clear' && h.writable && req.method === 'POST') {
      const body = await readJson(req);
      return json(res, 200, await h.clearCache(body.force === true));
    }
    const known = url.pathname === '/' || url.pathname === '/status' || (h.writable && url.pathname === '/cache/clear');
    return json(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
  } catch (err) {
    if (err instanceof ClearRefused) return json(res, 409, { error: err.message });
    if (err instanceof SyntaxError || err instanceof RangeError) return json(res, 400, { error: err.message });
    return json(res, 500, { error: err instanceof Error ? err.message : String(err) });
  }
}

function json(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

function page(res: http.ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': STATUS_PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(STATUS_PAGE_HTML);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RangeError('request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function loopbackHosts(server: http.Server): () => Set<string> {
  return () => {
    const { port } = server.address() as AddressInfo;
    return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  };
}

function listen(server: http.Server, where: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (typeof where !== 'string') return void server.listen(where.port, where.host, done);
    // The socket file is created 0600 (bind honours the umask): never readable by others, not even briefly.
    const umask = process.umask(0o177);
    try {
      server.listen(where, done);
    } finally {
      process.umask(umask);
    }
  });
}

function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
