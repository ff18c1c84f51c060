// How our method handlers plug into webdav-server: each is an async function of one request, wrapped
// as a chunked HTTPMethod (so webdav-server never buffers the body itself). A handler answers by
// writing the response or by throwing: HttpError for protocol answers, VfsError or a webdav-server
// singleton for everything else (mapped through error-map.ts). A thrown error never escapes.
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Logger } from 'pino';
import * as dav from 'webdav-server/lib/index.v2.js';
import { readLimitedBody } from '../shared/read-body.js';
import { VfsError } from '../core/errors.js';
import type { Vfs } from '../vfs/types.js';
import type { DavStore } from './dav-store.js';
import { statusOf } from './error-map.js';
import { HttpError } from './http-error.js';
import type { LockTable } from './lock-table.js';
import type { RequestTarget } from './request-path.js';
import type { DavResources } from './resources.js';
import type { VfsFileSystem } from './vfs-file-system.js';
import { DAV_NS, XML_DECL, element } from './xml/xml-writer.js';

export interface DavServices {
  vfs: Vfs;
  resources: DavResources;
  locks: LockTable;
  store: DavStore;
  fs: VfsFileSystem;
  logger: Logger;
  readOnly: boolean;
}

export interface DavRequest {
  ctx: dav.HTTPRequestContext;
  req: IncomingMessage;
  res: ServerResponse;
  /** Decoded namespace path ("/" or "/a/b"). */
  path: string;
  trailingSlash: boolean;
}

export type DavHandler = (r: DavRequest, s: DavServices) => Promise<void>;

// The front door decodes and validates the URL once; handlers read the result from here.
const targets = new WeakMap<IncomingMessage, RequestTarget>();

export function rememberTarget(req: IncomingMessage, target: RequestTarget): void {
  targets.set(req, target);
}

export function davMethod(handler: DavHandler, services: DavServices, validFor?: (isDir: boolean | undefined) => boolean): dav.HTTPMethod {
  return {
    chunked(ctx, _input, done) {
      const target = targets.get(ctx.request);
      if (!target) {
        ctx.setCode(400);
        return done();
      }
      const r: DavRequest = { ctx, req: ctx.request, res: ctx.response, path: target.path, trailingSlash: target.trailingSlash };
      Promise.resolve()
        .then(() => handler(r, services))
        .catch((err: unknown) => respondError(r, err, services.logger))
        .finally(done);
    },
    isValidFor(_ctx, type) {
      return validFor ? validFor(type ? type.isDirectory : undefined) : true;
    },
  };
}

function respondError(r: DavRequest, err: unknown, logger: Logger): void {
  const status = err instanceof HttpError ? err.status : statusOf(err);
  const log = { method: r.req.method, path: r.path, status, err };
  if (status >= 500) logger.warn(log, 'webdav request failed');
  else logger.debug(log, 'webdav request refused');
  if (r.res.headersSent) {
    // Mid-body: the only honest signal left is to cut the connection.
    r.res.destroy();
    return;
  }
  r.res.statusCode = status;
  const condition = err instanceof HttpError ? err.condition : undefined;
  const body = condition ? `${XML_DECL}<D:error xmlns:D="DAV:">${element(DAV_NS, condition)}</D:error>` : `${messageOf(err, status)}\n`;
  r.res.setHeader('Content-Type', condition ? 'application/xml; charset=utf-8' : 'text/plain; charset=utf-8');
  r.res.setHeader('Content-Length', Buffer.byteLength(body));
  r.res.end(body);
}

/** A one-line reason for the client. Unexpected (5xx) errors only name their status: their text may hold local details. */
function messageOf(err: unknown, status: number): string {
  const known = err instanceof HttpError || status < 500 || VfsError.is(err, 'ENOSPC');
  const text = known && err instanceof Error ? err.message : (STATUS_CODES[status] ?? 'error');
  return text.replace(/[\r\n]+/g, ' ');
}

/** Reads a whole request body, refusing more than `limit` bytes with 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, 'request body too large');
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  return readLimitedBody(req, limit, tooLarge);
}

/** A request header as one string (repeated headers joined). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The request carries a body (a length above zero, or chunked transfer coding). */
export function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/** Refuses changes on a --read-only server before anything is touched. */
export function assertWritable(s: DavServices): void {
  if (s.readOnly) throw new HttpError(403, 'the server is read-only');
}
