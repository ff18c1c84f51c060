// Per-request overhead of the WebDAV front-end: BENCH_REQUESTS (2000) sequential HEADs of a small
// file and PROPFINDs Depth 0 through `pdsfs serve`'s server (warm caches), beside the same number of
// requests to a bare node:http server in this process (the reference, same run), and the Vfs stat
// calls each request costs (counted).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/shared/logger.js';
import type { Vfs } from '../src/vfs/types.js';
import { createWebDavServer } from '../src/webdav/server.js';
import { defaultAppOptions } from '../test/helpers/app-options.js';
import { printTable, type Row, startBenchEmulator, writeResults } from './lib.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const AUTH = 'Basic ' + Buffer.from('bench:bench-password').toString('base64');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { authorization: AUTH, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Milliseconds per request over REQUESTS sequential requests (after 100 to warm up). */
async function perRequest(send: () => Promise<number>, expected: number): Promise<number> {
  for (let i = 0; i < 100; i++) await send();
  const t0 = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const status = await send();
    if (status !== expected) throw new Error(`status ${status}, expected ${expected}`);
  }
  return (performance.now() - t0) / REQUESTS;
}

/** The same Vfs, counting stat calls. */
function counting(vfs: Vfs): { vfs: Vfs; stats: () => number } {
  let n = 0;
  const wrapped = new Proxy(vfs, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'stat') return (p: string) => (n++, target.stat(p));
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { vfs: wrapped, stats: () => n };
}

async function main(): Promise<void> {
  const emu = await startBenchEmulator();
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-requests-'));
  const app = await createApp({ ...defaultAppOptions(emu.endpoint, emu.token, cacheDir), drive: emu.driveId });
  const counted = counting(app.vfs);
  const server = await createWebDavServer({ vfs: counted.vfs, port: 0, auth: { user: 'bench', password: 'bench-password' }, stateDir: path.join(cacheDir, 'webdav'), logger: silentLogger() });
  const bare = http.createServer((_req, res) => res.end());
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  try {
    if ((await request(`${server.url}small.txt`, 'PUT', {}, 'hello')) !== 201) throw new Error('PUT failed');
    const rows: Row[] = [];
    const reference = await perRequest(() => request(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, 'HEAD'), 200);
    const propfind = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>';
    const cases: [string, () => Promise<number>, number][] = [
      ['HEAD small file', () => request(`${server.url}small.txt`, 'HEAD'), 200],
      ['PROPFIND Depth 0 small file', () => request(`${server.url}small.txt`, 'PROPFIND', { depth: '0', 'content-type': 'application/xml' }, propfind), 207],
    ];
    for (const [name, send, expected] of cases) {
      const before = counted.stats();
      const ms = await perRequest(send, expected);
      const stats = (counted.stats() - before) / (REQUESTS + 100);
      rows.push({ metric: `${name}, per request`, value: ms, unit: 'ms', reference, ratio: ms / reference });
      rows.push({ metric: `${name}, Vfs stat calls per request`, value: stats, unit: 'calls', target: '1' });
    }
    printTable(`WebDAV per-request overhead (${REQUESTS} sequential requests; reference: a bare node:http server, same run)`, rows);
    console.log(`results: ${await writeResults('webdav-requests', { requests: REQUESTS, rows })}`);
  } finally {
    bare.close();
    await server.close();
    await app.close();
    await emu.close();
    await fs.rm(cacheDir, { recursive: true, force: true });
  }
}

await main();
