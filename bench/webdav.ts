// WebDAV front-end benchmark: PUT and GET throughput through `pdsfs serve` (cold and warm cache) as
// ratios to raw PUT/GET against the same local PDS server in the same run, and PROPFIND Depth 1 on a
// folder of BENCH_LIST_ENTRIES (10,000) entries, cold and warm. Transfers use curl in its own process
// (as real clients are), so the client does not compete with the server for this process's thread.
// BENCH_SIZE_MB (default 1024) sets the file size; BENCH_SIZE_MB=5120 is the 5 GiB bounded-memory
// run (peak RSS is reported). First, a PUT of BENCH_PUT_MB (256) MiB until answered, beside the same
// PUT to `rclone serve webdav` over a local folder (skipped, with the reason, without rclone).
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type App, createApp } from '../src/app.js';
import { silentLogger } from '../src/shared/logger.js';
import { createWebDavServer, type WebDavServer } from '../src/webdav/server.js';
import { defaultAppOptions } from '../test/helpers/app-options.js';
import { writeThrough } from './front-ends.js';
import { api, chunkFactory, median, peakRssMiB, printTable, rawUpload, type Row, startBenchEmulator, writeResults } from './lib.js';

const run = promisify(execFile);
const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const listEntries = Number(process.env.BENCH_LIST_ENTRIES ?? 10000);
const putMiB = Number(process.env.BENCH_PUT_MB ?? 256);
const PUT_ROUNDS = 3;
const MiB = 1024 * 1024;
const USER = 'bench';
const PASSWORD = 'bench-password';
const AUTH = 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

interface Served {
  app: App;
  server: WebDavServer;
  close(): Promise<void>;
}

async function serveApp(emu: { endpoint: string; token: string; driveId: string }, cacheDir: string): Promise<Served> {
  const app = await createApp({ ...defaultAppOptions(emu.endpoint, emu.token, cacheDir), cacheMem: 256 * MiB, cacheMaxSize: 8 * 1024 * MiB, blockSize: 4 * MiB, drive: emu.driveId });
  const server = await createWebDavServer({ vfs: app.vfs, port: 0, auth: { user: USER, password: PASSWORD }, stateDir: path.join(cacheDir, 'webdav'), logger: silentLogger() });
  return { app, server, close: async () => (await server.close(), await app.close()) };
}

/** One HTTP request from this process (small bodies); the response body is counted and dropped. */
function request(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { authorization: AUTH, ...headers } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One transfer by curl; returns seconds and bytes moved. */
async function curl(url: string, args: string[]): Promise<{ seconds: number; bytes: number; status: number }> {
  const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_total} %{size_download} %{size_upload}', ...args, url], { maxBuffer: 1 << 20 });
  const [status, seconds, down, up] = stdout.trim().split(' ').map(Number);
  return { status: status!, seconds: seconds!, bytes: Math.max(down!, up!) };
}

/** `rclone serve webdav` over a fresh local folder: its URL and a stop; or why it cannot run. */
async function rcloneWebdav(dir: string): Promise<{ url: string; stop(): Promise<void> } | string> {
  try {
    execFileSync('rclone', ['version'], { stdio: 'ignore' });
  } catch {
    return 'rclone is not installed';
  }
  await fs.mkdir(dir, { recursive: true });
  const child = spawn('rclone', ['serve', 'webdav', dir, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /started on (http:\/\/\S+\/)/.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`rclone serve webdav exited: ${err}`)));
  });
  return { url, stop: async () => (child.kill('SIGTERM'), await exited) };
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { seconds: (performance.now() - t0) / 1000, value };
}

async function main(): Promise<void> {
  const emu = await startBenchEmulator();
  const cacheRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-webdav-'));
  const rows: Row[] = [];
  try {
    // PUT until answered (the file is safe against a crash of the server then), pdsfs beside rclone.
    const putSource = path.join(cacheRoot, 'put-source.bin');
    const putChunk = chunkFactory(3);
    await writeThrough(putSource, putMiB, putChunk);
    // A PUT takes about a second here: rounds alternate the two servers, and each side reports its median.
    const rcloneTimes: number[] = [];
    const pdsfsTimes: number[] = [];
    let rcloneSkipped: string | undefined;
    for (let round = 0; round < PUT_ROUNDS; round++) {
      const rclone = await rcloneWebdav(path.join(cacheRoot, `rclone-${round}`));
      if (typeof rclone === 'string') rcloneSkipped = rclone;
      else {
        rcloneTimes.push((await curl(`${rclone.url}put.bin`, ['-T', putSource])).seconds);
        await rclone.stop();
      }
      const answering = await serveApp(emu, path.join(cacheRoot, `a-${round}`));
      const answered = await curl(`${answering.server.url}put-${putMiB}-${round}.bin`, ['-u', `${USER}:${PASSWORD}`, '-T', putSource]);
      if (answered.status !== 201) throw new Error(`PUT: ${answered.status}`);
      pdsfsTimes.push(answered.seconds);
      await answering.close();
    }
    await fs.rm(putSource);
    const rcloneSeconds = rcloneTimes.length > 0 ? median(rcloneTimes) : undefined;
    const answeredSeconds = median(pdsfsTimes);
    const rclone = rcloneSkipped ?? {};
    rows.push({
      metric: `PUT ${putMiB} MiB (until answered), median of ${PUT_ROUNDS} alternating rounds`, value: putMiB / answeredSeconds, unit: 'MiB/s',
      ...(rcloneSeconds ? { reference: putMiB / rcloneSeconds, ratio: rcloneSeconds / answeredSeconds } : {}),
      target: typeof rclone === 'string' ? `reference skipped: ${rclone}` : 'reference: rclone serve webdav, ratio >= 1',
    });

    // PUT: curl -T through serve until the upload has landed, versus raw create → part PUTs → complete.
    const rawUp = await rawUpload(emu, 'raw.bin', sizeMiB, chunkFactory(1));
    const source = path.join(cacheRoot, 'source.bin');
    await writeThrough(source, sizeMiB, chunkFactory(2));
    const writer = await serveApp(emu, path.join(cacheRoot, 'w'));
    const put = await timed(async () => {
      const r = await curl(`${writer.server.url}put.bin`, ['-u', `${USER}:${PASSWORD}`, '-T', source]);
      if (r.status !== 201) throw new Error(`PUT: ${r.status}`);
      await writer.app.vfs.drain();
    });
    await writer.close();
    await fs.rm(source);
    rows.push({ metric: `PUT ${sizeMiB} MiB (until uploaded)`, value: sizeMiB / put.seconds, unit: 'MiB/s', reference: sizeMiB / rawUp.seconds, ratio: rawUp.seconds / put.seconds });

    // GET: cold (empty cache) and warm, versus curl on the file's download URL.
    const { url: downloadUrl } = await api<{ url: string }>(emu, '/v2/file/get_download_url', { drive_id: emu.driveId, file_id: rawUp.fileId });
    const rawDown = await curl(downloadUrl, []);
    const reader = await serveApp(emu, path.join(cacheRoot, 'r'));
    const get = async () => {
      const r = await curl(`${reader.server.url}raw.bin`, ['-u', `${USER}:${PASSWORD}`]);
      if (r.status !== 200 || r.bytes !== sizeMiB * MiB) throw new Error(`GET: ${r.status}, ${r.bytes} bytes`);
      return r;
    };
    const cold = await get();
    const warm = await get();
    await reader.close();
    const rawRate = rawDown.bytes / MiB / rawDown.seconds;
    rows.push({ metric: 'GET cold', value: sizeMiB / cold.seconds, unit: 'MiB/s', reference: rawRate, ratio: rawDown.seconds / cold.seconds, target: '>= 0.8' });
    rows.push({ metric: 'GET warm', value: sizeMiB / warm.seconds, unit: 'MiB/s', reference: rawRate, ratio: rawDown.seconds / warm.seconds, target: '>= 2' });

    // PROPFIND Depth 1 on a big folder: cold (first listing from the server) and warm (cached).
    const dir = await api<{ file_id: string }>(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: 'root', name: 'many', type: 'folder', check_name_mode: 'refuse' });
    for (let i = 0; i < listEntries; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, listEntries - i) }, (_, k) =>
          api(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: dir.file_id, name: `entry-${i + k}`, type: 'folder', check_name_mode: 'ignore' }),
        ),
      );
    }
    const lister = await serveApp(emu, path.join(cacheRoot, 'l'));
    const body = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/></D:prop></D:propfind>';
    const propfind = async () => {
      const r = await request(`${lister.server.url}many/`, 'PROPFIND', { depth: '1', 'content-type': 'application/xml' }, body);
      if (r.status !== 207) throw new Error(`PROPFIND: ${r.status}`);
      return r.bytes;
    };
    const coldList = await timed(propfind);
    const warmList = await timed(propfind);
    await lister.close();
    rows.push({ metric: `PROPFIND Depth 1, ${listEntries} entries, cold`, value: coldList.seconds, unit: 's' });
    rows.push({ metric: `PROPFIND Depth 1, ${listEntries} entries, warm`, value: warmList.seconds, unit: 's', target: '< 0.5' });
    rows.push({ metric: 'PROPFIND response size', value: warmList.value / listEntries, unit: 'bytes/entry', target: '< 400' });
    rows.push({ metric: 'peak RSS (pdsfs process, 256 MiB block cache)', value: peakRssMiB(), unit: 'MiB', target: 'flat in file size' });
  } finally {
    await emu.close();
    await fs.rm(cacheRoot, { recursive: true, force: true });
  }
  printTable(`WebDAV front-end, ${sizeMiB} MiB file`, rows);
  console.log('results:', await writeResults(sizeMiB === 1024 ? 'webdav' : `webdav-${sizeMiB}MiB`, { sizeMiB, listEntries, rows }));
}

await main();
