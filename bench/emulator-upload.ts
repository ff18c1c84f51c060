// The local PDS server's CPU per request of the kinds an rsync into the mount causes: a folder
// create, a small-file upload (file/create with part_info_list → the part PUT → file/complete) and
// a file/update of the mtime. Raw HTTP over 8 keep-alive connections (the mount uploads 8 files at
// a time) against `pdsfs emulator` in a child process, whose CPU seconds come from /proc — a figure
// the machine's load barely moves. Reference in the same run: a minimal Node HTTP server that
// answers the same requests and stores each part as a file (no database, no hashing, nothing
// durable), the floor of HTTP and file I/O in Node. BENCH_UPLOAD_FILES (2000) files of 1–64 KiB.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { chunkFactory, printTable, processCpuSeconds, type Row, type ServerStats, startBenchEmulator, takeServerStats, writeResults } from './lib.js';

const fileCount = Number(process.env.BENCH_UPLOAD_FILES ?? 2000);
const PARALLEL = 8;
/** As the embedded server's worker: a 4 MiB young generation (bin/pdsfs's line, which `node bin/pdsfs` skips). */
const NODE_ARGS = ['--max-semi-space-size=2'];

interface Server {
  endpoint: string;
  token: string;
  driveId: string;
  pid: number;
  /** The server's group commits since the last call (its /admin/stats), where it counts them. */
  commits?: () => Promise<number | undefined>;
  close(): Promise<void>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });

function request(url: string, method: string, headers: http.OutgoingHttpHeaders, body: Buffer): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function call<T>(s: Server, p: string, body: object): Promise<T> {
  const r = await request(s.endpoint + p, 'POST', { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)));
  if (r.status >= 300) throw new Error(`${p}: ${r.status} ${r.text}`);
  return JSON.parse(r.text) as T;
}

/** Runs fn over items, PARALLEL at a time. */
async function parallel<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

interface Plan {
  folders: { parent: number; name: string }[];
  files: { folder: number; name: string; data: Buffer; sha1: string }[];
}

/** 10 top folders of 10 subfolders; the files spread over the 100 leaves, 1–64 KiB each (as bench/tree.ts). */
function makePlan(): Plan {
  const folders: Plan['folders'] = [];
  for (let t = 0; t < 10; t++) {
    folders.push({ parent: -1, name: `top-${t}` });
    for (let s = 0; s < 10; s++) folders.push({ parent: t * 11, name: `sub-${s}` });
  }
  const data = chunkFactory(11)(0);
  const files = Array.from({ length: fileCount }, (_, i) => {
    const leaf = (i % 10) * 11 + 1 + (Math.floor(i / 10) % 10);
    const size = 1024 + ((i * 7919) % (63 * 1024));
    const bytes = data.subarray(i * 13, i * 13 + size);
    return { folder: leaf, name: `file-${i}.dat`, data: bytes, sha1: createHash('sha1').update(bytes).digest('hex').toUpperCase() };
  });
  return { folders, files };
}

interface PhaseCpu {
  folders: number;
  files: number;
  updates: number;
  /** Commits during the uploads, where the server counts them. */
  fileCommits?: number;
}

/** The three phases against one server; CPU seconds of its process in each. */
async function drive(s: Server, plan: Plan): Promise<PhaseCpu> {
  const cpu = () => processCpuSeconds(s.pid);
  const ids: string[] = [];
  let c0 = await cpu();
  // Folders go level by level (a child needs its parent's id).
  for (const level of [-1, 0]) {
    const todo = plan.folders.map((f, i) => ({ f, i })).filter(({ f }) => (level === -1 ? f.parent === -1 : f.parent !== -1));
    await parallel(todo, async ({ f, i }) => {
      const r = await call<{ file_id: string }>(s, '/v2/file/create', {
        drive_id: s.driveId, parent_file_id: f.parent === -1 ? 'root' : ids[f.parent], name: f.name, type: 'folder', check_name_mode: 'refuse',
      });
      ids[i] = r.file_id;
    });
  }
  const folders = (await cpu()) - c0;

  const fileIds: string[] = [];
  await s.commits?.();
  c0 = await cpu();
  await parallel(plan.files.map((f, i) => ({ f, i })), async ({ f, i }) => {
    const c = await call<{ file_id: string; upload_id: string; part_info_list: { upload_url: string }[] }>(s, '/v2/file/create', {
      drive_id: s.driveId, parent_file_id: ids[f.folder], name: f.name, type: 'file', size: f.data.length,
      part_info_list: [{ part_number: 1 }], check_name_mode: 'refuse', content_hash: f.sha1, content_hash_name: 'sha1',
      local_modified_at: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    });
    const put = await request(c.part_info_list[0]!.upload_url, 'PUT', {}, f.data);
    if (put.status !== 200) throw new Error(`PUT: ${put.status} ${put.text}`);
    await call(s, '/v2/file/complete', { drive_id: s.driveId, file_id: c.file_id, upload_id: c.upload_id, part_info_list: [{ part_number: 1, etag: put.headers.etag }] });
    fileIds[i] = c.file_id;
  });
  const files = (await cpu()) - c0;
  const fileCommits = await s.commits?.();

  c0 = await cpu();
  await parallel(fileIds.map((id, i) => ({ id, i })), async ({ id, i }) => {
    await call(s, '/v2/file/update', { drive_id: s.driveId, file_id: id, local_modified_at: new Date(1_800_000_000_000 + i * 1000).toISOString() });
  });
  const updates = (await cpu()) - c0;
  return { folders, files, updates, ...(fileCommits !== undefined ? { fileCommits } : {}) };
}

async function startEmulator(bin?: string): Promise<Server> {
  const e = await startBenchEmulator({ nodeArgs: [...NODE_ARGS, ...(process.env.BENCH_UPLOAD_NODE_ARGS?.split(' ').filter(Boolean) ?? [])], ...(bin ? { bin } : {}) });
  const commits = async () => ((await takeServerStats(e)) as ServerStats & { commits?: number }).commits;
  return { endpoint: e.endpoint, token: e.token, driveId: e.driveId, pid: e.pid, commits, close: () => e.close() };
}

/** The reference: this file run with --reference-server, in a child process of its own. */
async function startReference(): Promise<Server> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-ref-'));
  const child = spawn(process.execPath, [...NODE_ARGS, '--import', 'tsx', import.meta.filename, '--reference-server', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`reference server exited (${code})`)));
  });
  return {
    endpoint, token: 'none', driveId: '1', pid: child.pid!,
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** The minimal server: ids, JSON answers and a part written to a file and renamed into place. */
async function referenceServer(dir: string): Promise<void> {
  const server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    void (async () => {
      if (req.method === 'PUT') {
        const tmp = path.join(dir, randomBytes(8).toString('hex'));
        const md5 = createHash('md5');
        req.on('data', (c: Buffer) => md5.update(c));
        await pipeline(req, createWriteStream(tmp));
        await fs.rename(tmp, path.join(dir, randomBytes(8).toString('hex')));
        res.writeHead(200, { etag: `"${md5.digest('hex').toUpperCase()}"`, 'content-length': 0 });
        res.end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      const id = randomBytes(16).toString('hex').toUpperCase();
      const answer = req.url === '/v2/file/create' && body.type === 'file'
        ? { ...body, file_id: id, upload_id: id, part_info_list: [{ part_number: 1, upload_url: `http://127.0.0.1:${port}/data/upload/${id}/1` }] }
        : { ...body, file_id: body.file_id ?? id };
      const bytes = Buffer.from(JSON.stringify(answer));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
      res.end(bytes);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  process.stdout.write(`http://127.0.0.1:${port}\n`);
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

/** The median of each phase over the rounds. */
function median(runs: PhaseCpu[]): PhaseCpu {
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { folders: mid(runs.map((r) => r.folders)), files: mid(runs.map((r) => r.files)), updates: mid(runs.map((r) => r.updates)) };
}

async function main(): Promise<void> {
  const plan = makePlan();
  // BENCH_UPLOAD_AB names another build's bin/pdsfs, run in turn with this one (the same window of load).
  const other = process.env.BENCH_UPLOAD_AB;
  const servers: [string, () => Promise<Server>][] = [
    ['reference', startReference],
    ['local server', () => startEmulator()],
    ...(other ? [['local server (B)', () => startEmulator(other)] as [string, () => Promise<Server>]] : []),
  ];
  const runs: Record<string, PhaseCpu[]> = {};
  for (let round = 0; round < Number(process.env.BENCH_UPLOAD_ROUNDS ?? 1); round++) {
    for (const [name, start] of servers) {
      const s = await start();
      try {
        (runs[name] ??= []).push(await drive(s, plan));
      } finally {
        await s.close();
      }
    }
  }
  agent.destroy();
  const ms = (cpu: number, n: number) => (cpu * 1000) / n;
  const ref = median(runs.reference!);
  const rows: Row[] = servers.slice(1).flatMap(([name]) => {
    const emu = median(runs[name]!);
    return [
      { metric: `${name}: folder create`, value: ms(emu.folders, plan.folders.length), unit: 'CPU-ms', reference: ms(ref.folders, plan.folders.length) },
      { metric: `${name}: small-file upload`, value: ms(emu.files, fileCount), unit: 'CPU-ms', reference: ms(ref.files, fileCount) },
      { metric: `${name}: file/update mtime`, value: ms(emu.updates, fileCount), unit: 'CPU-ms', reference: ms(ref.updates, fileCount) },
    ].map((r) => ({ ...r, ratio: r.value / r.reference }));
  });
  for (const [name] of servers.slice(1)) {
    const counted = runs[name]!.map((r) => r.fileCommits).filter((n) => n !== undefined);
    if (counted.length > 0) console.log(`${name}: commits per upload ${counted.map((n) => (n / fileCount).toFixed(2)).join(' / ')}`);
  }
  printTable(`Local server CPU per request, ${fileCount} files (median of ${runs.reference!.length}; reference: a minimal Node HTTP server writing each part to a file)`, rows);
  console.log(`written ${await writeResults('emulator-upload', { fileCount, folders: plan.folders.length, cpuSeconds: runs, rows })}`);
}

if (process.argv[2] === '--reference-server') await referenceServer(process.argv[3]!);
else await main();
