// Our node:http handler in front of webdav-server. Per request, inside one error boundary: decode and
// validate the URL (400 for malformed encodings and traversal attempts), answer OPTIONS on any path
// without authentication, 501 to methods we do not implement, require Basic credentials for
// everything else, then hand over to webdav-server's dispatcher. With Expect: 100-continue the
// credentials are checked before the client is told to send its body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type * as dav from 'webdav-server/lib/index.v2.js';
import { AUTH_CHALLENGE, type Authenticator } from './basic-auth.js';
import { rememberTarget } from './dav-method.js';
import { BadPathError, parseRequestTarget } from './request-path.js';

const ALL_METHODS = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK';
const READ_METHODS = 'OPTIONS, GET, HEAD, PROPFIND';
const KNOWN_METHODS = new Set(ALL_METHODS.split(', '));

export interface FrontDoorDeps {
  auth: Authenticator;
  dav: dav.WebDAVServer;
  readOnly: boolean;
  logger: Logger;
}

export interface FrontDoor {
  request(req: IncomingMessage, res: ServerResponse): void;
  /** 'checkContinue' listener: authenticate before inviting the body. */
  checkContinue(req: IncomingMessage, res: ServerResponse): void;
}

export function createFrontDoor(deps: FrontDoorDeps): FrontDoor {
  const guarded = (req: IncomingMessage, res: ServerResponse, work: () => void) => {
    req.on('error', (err) => deps.logger.debug({ err }, 'request stream error'));
    res.on('error', (err) => deps.logger.debug({ err }, 'response stream error'));
    try {
      work();
    } catch (err) {
      deps.logger.error({ err, method: req.method }, 'webdav request crashed');
      if (!res.headersSent) plain(res, 500, 'internal error');
      else res.destroy();
    }
  };

  const route = (req: IncomingMessage, res: ServerResponse, continued: boolean) => {
    // OPTIONS touches nothing, so it needs neither a valid path nor credentials ("OPTIONS *" included).
    if (req.method === 'OPTIONS') return options(res, deps.readOnly);
    if (!KNOWN_METHODS.has(req.method ?? '')) {
      res.setHeader('Allow', deps.readOnly ? READ_METHODS : ALL_METHODS);
      return plain(res, 501, `method ${req.method} is not supported`);
    }
    let target;
    try {
      target = parseRequestTarget(req.url ?? '');
    } catch (err) {
      if (err instanceof BadPathError) return plain(res, 400, `bad request URL: ${err.message}`);
      throw err;
    }
    if (deps.auth.required && deps.auth.verify(req.headers.authorization) === undefined) {
      res.setHeader('WWW-Authenticate', AUTH_CHALLENGE);
      return plain(res, 401, 'authentication required');
    }
    if (continued) res.writeContinue();
    rememberTarget(req, target);
    deps.dav.executeRequest(req, res);
  };

  return {
    request: (req, res) => guarded(req, res, () => route(req, res, false)),
    checkContinue: (req, res) => guarded(req, res, () => route(req, res, true)),
  };
}

function options(res: ServerResponse, readOnly: boolean): void {
  res.statusCode = 200;
  res.setHeader('DAV', readOnly ? '1' : '1, 2');
  res.setHeader('MS-Author-Via', 'DAV');
  res.setHeader('Allow', readOnly ? READ_METHODS : ALL_METHODS);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Length', 0);
  res.end();
}

function plain(res: ServerResponse, status: number, message: string): void {
  const body = message + '\n';
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
