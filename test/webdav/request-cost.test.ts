// What one request costs the Vfs: webdav-server looks at the requested path before our handler runs
// (an existence check, then the type, for its Allow header); that look and the handler's share one
// stat, counted here on a Vfs that counts its calls.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/shared/logger.js';
import type { Vfs } from '../../src/vfs/types.js';
import { createWebDavServer, type WebDavServer } from '../../src/webdav/server.js';
import { type StartedApp, startApp, writeFile } from '../helpers/app.js';

const AUTH = 'Basic ' + Buffer.from('u:p').toString('base64');
let started: StartedApp;
let server: WebDavServer;
let stats = 0;
let drive: string;

before(async () => {
  started = await startApp();
  const vfs = started.vfs;
  const counting = new Proxy(vfs, {
    get(target, prop) {
      if (prop === 'stat') return (p: string) => (stats++, target.stat(p));
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Vfs;
  server = await createWebDavServer({ vfs: counting, port: 0, auth: { user: 'u', password: 'p' }, stateDir: path.join(started.cacheDir, 'webdav'), logger: silentLogger() });
  drive = `/drives/${encodeURIComponent(started.app.volumes[0]!.dirName)}`;
  await writeFile(vfs, `/drives/${started.app.volumes[0]!.dirName}/small.txt`, Buffer.from('hello'));
});

after(async () => {
  await server.close();
  await started.close();
});

function request(method: string, p: string, headers: Record<string, string> = {}, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p, server.url), { method, headers: { authorization: AUTH, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Vfs stat calls of one request, and its status. */
async function cost(method: string, p: string, headers?: Record<string, string>, body?: string): Promise<{ status: number; stats: number }> {
  const before = stats;
  const status = await request(method, p, headers, body);
  return { status, stats: stats - before };
}

test('HEAD, GET and PROPFIND Depth 0 of a file stat it once', async () => {
  assert.deepEqual(await cost('HEAD', `${drive}/small.txt`), { status: 200, stats: 1 });
  assert.deepEqual(await cost('GET', `${drive}/small.txt`), { status: 200, stats: 1 });
  assert.deepEqual(await cost('PROPFIND', `${drive}/small.txt`, { depth: '0' }), { status: 207, stats: 1 });
});

test('a missing path is looked up once too, and answers 404', async () => {
  assert.deepEqual(await cost('HEAD', `${drive}/absent.txt`), { status: 404, stats: 1 });
});

test('what a request changes is seen by the next one (the shared stat lives for one request)', async () => {
  assert.equal(await request('PUT', `${drive}/changing.txt`, {}, 'one'), 201);
  assert.equal(await request('DELETE', `${drive}/changing.txt`), 204);
  assert.equal(await request('HEAD', `${drive}/changing.txt`), 404);
  assert.equal(await request('PUT', `${drive}/changing.txt`, {}, 'two'), 201);
  assert.equal(await request('HEAD', `${drive}/changing.txt`), 200);
});
