// `pdsfs serve`'s server: webdav-server v2 dispatching to our method handlers over one VfsFileSystem,
// behind our own node:http(s) front door (URL checks, Basic auth, OPTIONS). Binds 127.0.0.1 unless
// told otherwise.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
// webdav-server's v2 API only (here and in every file of src/webdav/): the package's index loads v1 too.
import * as dav from 'webdav-server/lib/index.v2.js';
import type { Vfs } from '../vfs/types.js';
import { type AuthConfig, createAuthenticator } from './basic-auth.js';
import { DavStore } from './dav-store.js';
import { davMethod, type DavServices } from './dav-method.js';
import { createFrontDoor } from './front-door.js';
import { LockTable } from './lock-table.js';
import { copy, move } from './methods/copy-move.js';
import { get, head } from './methods/get.js';
import { lock, unlock } from './methods/lock.js';
import { del, mkcol } from './methods/mkcol-delete.js';
import { propfind } from './methods/propfind.js';
import { proppatch } from './methods/proppatch.js';
import { put } from './methods/put.js';
import { DavResources } from './resources.js';
import { VfsFileSystem } from './vfs-file-system.js';

export interface WebDavServerOptions {
  vfs: Vfs;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  auth: AuthConfig;
  tls?: { cert: string | Buffer; key: string | Buffer };
  readOnly?: boolean;
  /** Directory for webdav.sqlite (dead properties, Finder's local files). */
  stateDir: string;
  logger: Logger;
}

export interface WebDavServer {
  /** Base URL, ending in "/". */
  readonly url: string;
  close(): Promise<void>;
}

// Every request reaching webdav-server has passed our authentication; this is who it runs as.
const OWNER: dav.IUser = { uid: 'pdsfs-owner', username: 'owner', isAdministrator: true, isDefaultUser: false };
const AUTHENTICATED: dav.HTTPAuthentication = {
  askForAuthentication: () => ({}),
  getUser: (_ctx, callback) => callback(null as unknown as Error, OWNER),
};
const STRIPPED_HEADERS = ['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials', 'Access-Control-Expose-Headers', 'Server'];

export async function createWebDavServer(opts: WebDavServerOptions): Promise<WebDavServer> {
  const host = opts.host ?? '127.0.0.1';
  const readOnly = opts.readOnly ?? false;
  const auth = createAuthenticator(opts.auth);
  fs.mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  const store = new DavStore(path.join(opts.stateDir, 'webdav.sqlite'));
  const locks = new LockTable();
  const resources = new DavResources(opts.vfs, store, locks);
  const fileSystem = new VfsFileSystem(opts.vfs, resources);
  const services: DavServices = { vfs: opts.vfs, resources, locks, store, fs: fileSystem, logger: opts.logger, readOnly };

  const davServer = new dav.WebDAVServer({
    rootFileSystem: fileSystem,
    httpAuthentication: AUTHENTICATED,
    requireAuthentification: false,
    maxRequestDepth: 1,
  });
  // Replace every built-in command with ours (docs/webdav-server.md says what is wrong with each).
  davServer.methods = {};
  const exists = (isDir: boolean | undefined) => isDir !== undefined;
  const anyFile = (isDir: boolean | undefined) => isDir !== true;
  davServer.method('GET', davMethod(get, services, exists));
  davServer.method('HEAD', davMethod(head, services, exists));
  davServer.method('PROPFIND', davMethod(propfind, services, exists));
  // On a read-only server the changing methods stay registered and answer 403.
  davServer.method('PUT', davMethod(put, services, anyFile));
  davServer.method('PROPPATCH', davMethod(proppatch, services, exists));
  davServer.method('MKCOL', davMethod(mkcol, services, (isDir) => isDir === undefined));
  davServer.method('DELETE', davMethod(del, services, exists));
  davServer.method('COPY', davMethod(copy, services, exists));
  davServer.method('MOVE', davMethod(move, services, exists));
  davServer.method('LOCK', davMethod(lock, services));
  davServer.method('UNLOCK', davMethod(unlock, services, exists));
  davServer.beforeRequest((ctx, next) => {
    for (const h of STRIPPED_HEADERS) ctx.response.removeHeader(h);
    next();
  });

  const front = createFrontDoor({ auth, dav: davServer, readOnly, logger: opts.logger });
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }) : http.createServer();
  // Uploads of many GiB legitimately take longer than Node's default 5-minute request timeout.
  server.requestTimeout = 0;
  server.on('request', front.request);
  server.on('checkContinue', front.checkContinue);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => opts.logger.error({ err }, 'webdav server error'));
  const { port } = server.address() as AddressInfo;
  const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  opts.logger.info({ url, readOnly }, 'webdav server listening');

  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}
