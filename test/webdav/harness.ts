// A served app for WebDAV tests: the real local PDS server, the real app, our WebDAV server on port 0
// with Basic auth, and a raw HTTP helper (raw paths, so traversal attempts reach the server as sent).
import http from 'node:http';
import path from 'node:path';
import type { AppOptions } from '../../src/app-options.js';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createWebDavServer, type WebDavServer, type WebDavServerOptions } from '../../src/webdav/server.js';
import { type StartedApp, startApp } from '../helpers/app.js';

export const USER = 'tester';
export const PASSWORD = 'correct horse battery staple';
export const AUTH = 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface Served {
  started: StartedApp;
  server: WebDavServer;
  /** Server root URL, ending in "/". */
  url: string;
  /** Namespace path of the first drive, e.g. "/drives/My Drive". */
  drivePath: string;
  /** URL of the first drive, ending in "/". */
  driveUrl: string;
  /** Percent-encoded path of `p` (a namespace path). */
  href(p: string): string;
  /** One HTTP request; `rawPath` is sent exactly as given. Authenticated unless auth is false. */
  request(method: string, rawPath: string, opts?: { headers?: Record<string, string>; body?: Buffer | string; auth?: boolean }): Promise<Answer>;
  close(): Promise<void>;
}

export async function serve(app: Partial<AppOptions> = {}, server: Partial<WebDavServerOptions> = {}, emulator: Partial<EmulatorOptions> = {}): Promise<Served> {
  // The production write-back delay: uploads start after a quiet period, as they do for real clients.
  const started = await startApp({ writeBackMs: 2_000, ...app }, emulator);
  let srv: WebDavServer;
  try {
    srv = await createWebDavServer({
      vfs: started.vfs,
      port: 0,
      auth: { user: USER, password: PASSWORD },
      stateDir: path.join(started.cacheDir, 'webdav'),
      logger: silentLogger(),
      ...server,
    });
  } catch (err) {
    await started.close();
    throw err;
  }
  const drive = started.app.volumes[0]!.dirName;
  const drivePath = app.drive ? '' : `/drives/${drive}`;
  const href = (p: string) => p.split('/').map(encodeURIComponent).join('/');
  const base = new URL(srv.url);
  return {
    started,
    server: srv,
    url: srv.url,
    drivePath,
    driveUrl: srv.url.replace(/\/$/, '') + href(drivePath) + '/',
    href,
    request: (method, rawPath, opts = {}) =>
      new Promise<Answer>((resolve, reject) => {
        const headers: Record<string, string> = { ...(opts.auth === false ? {} : { authorization: AUTH }), ...opts.headers };
        if (opts.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'transfer-encoding')) {
          headers['content-length'] = String(Buffer.byteLength(opts.body));
        }
        const req = http.request({ host: base.hostname, port: base.port, method, path: rawPath, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(opts.body);
      }),
    close: async () => {
      await srv.close();
      await started.close();
    },
  };
}
