// What one file/list of a small folder costs, asked as the mount asks it (fields '*', url_expire_sec,
// limit 100: every file with its signed download URL), over 8 keep-alive connections: the CPU of
// `pdsfs emulator` in a child process (from /proc) and of this process's client (node:http, no
// axios). Reference in the same run: a minimal Node HTTP server in a child process that answers
// every request with the emulator's own answer, rendered once — the floor of one such exchange in
// Node on this machine, whatever a server does to build its answer.
// BENCH_LIST_BINS=a/bin/pdsfs,b/bin/pdsfs alternates builds; BENCH_LIST_ROUNDS (3) rounds of
// BENCH_LIST_CALLS (2000) calls; BENCH_LIST_FILES (19) files in the folder;
// BENCH_LIST_PROFILE_DIR=dir writes the emulator's CPU profiles there.
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import readline from 'node:readline';
import { chunkFactory, printTable, processCpuSeconds, rawUpload, type Row, startBenchEmulator, writeResults } from './lib.js';

const calls = Number(process.env.BENCH_LIST_CALLS ?? 2000);
const rounds = Number(process.env.BENCH_LIST_ROUNDS ?? 3);
const files = Number(process.env.BENCH_LIST_FILES ?? 19);
const bins = (process.env.BENCH_LIST_BINS ?? '').split(',').filter(Boolean);
const PARALLEL = 8;
const NODE_ARGS = ['--max-semi-space-size=2'];
const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });

function post(endpoint: string, token: string, p: string, body: object): Promise<{ status: number; text: string }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(endpoint + p, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

interface Measured {
  serverMs: number;
  clientMs: number;
  bytes: number;
}

/** `calls` lists, PARALLEL at a time (each answer parsed, as a client must): CPU-ms per list of the server's process and of this one. */
async function lists(endpoint: string, token: string, serverPid: number, body: object): Promise<Measured> {
  const ask = async () => {
    const r = await post(endpoint, token, '/v2/file/list', body);
    if (r.status !== 200) throw new Error(`file/list: ${r.status} ${r.text}`);
    return (JSON.parse(r.text) as { items: unknown[] }, r.text.length);
  };
  for (let i = 0; i < 200; i++) await ask(); // a running daemon's server is warm
  const server0 = await processCpuSeconds(serverPid);
  const client0 = process.cpuUsage();
  let next = 0;
  let bytes = 0;
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next++ < calls) {
      const n = await ask();
      bytes += n;
    }
  }));
  const client = process.cpuUsage(client0);
  const server = (await processCpuSeconds(serverPid)) - server0;
  return { serverMs: (server * 1000) / calls, clientMs: (client.user + client.system) / 1000 / calls, bytes: bytes / calls };
}

async function measure(bin: string | undefined): Promise<{ emulator: Measured; reference: Measured }> {
  const prof = process.env.BENCH_LIST_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-interval', '500', '--cpu-prof-dir', process.env.BENCH_LIST_PROFILE_DIR] : [];
  const emu = await startBenchEmulator({ nodeArgs: [...NODE_ARGS, ...prof], ...(bin ? { bin } : {}) });
  try {
    const call = async (p: string, body: object) => {
      const r = await post(emu.endpoint, emu.token, p, { drive_id: emu.driveId, ...body });
      if (r.status >= 300) throw new Error(`${p}: ${r.status} ${r.text}`);
      return JSON.parse(r.text) as Record<string, unknown>;
    };
    const dir = (await call('/v2/file/create', { parent_file_id: 'root', name: 'dir', type: 'folder' })).file_id as string;
    // Files with content (each gets a download URL), made by rapid upload of one stored blob.
    const seed = await rawUpload(emu, 'seed.bin', 1, chunkFactory(9));
    const { content_hash } = (await call('/v2/file/get', { file_id: seed.fileId })) as { content_hash: string };
    for (let i = 0; i < files; i++) {
      await call('/v2/file/create', {
        parent_file_id: dir, name: `file-${i}.dat`, type: 'file', size: 1024 * 1024, content_hash, content_hash_name: 'sha1', check_name_mode: 'refuse',
        user_meta: '{"pdsfs.posix":{"mode":33188,"uid":0,"gid":0,"rdev":0,"atime":"1796439551.098441147","mtime":"1796439550.089441653","ctime":"1796439551.136430652"}}',
      });
    }
    const body = { drive_id: emu.driveId, parent_file_id: dir, limit: 100, fields: '*', url_expire_sec: 900 };
    const answer = (await post(emu.endpoint, emu.token, '/v2/file/list', body)).text;
    const emulator = await lists(emu.endpoint, emu.token, emu.pid, body);
    const ref = await startReference(answer);
    try {
      return { emulator, reference: await lists(ref.endpoint, emu.token, ref.pid, body) };
    } finally {
      ref.child.kill('SIGTERM');
    }
  } finally {
    await emu.close();
  }
}

/** The reference: this file run with --reference-server, in a child process of its own. */
async function startReference(answer: string) {
  const child = spawn(process.execPath, [...NODE_ARGS, '--import', 'tsx', import.meta.filename, '--reference-server'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin!.end(answer);
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`reference server exited (${code})`)));
  });
  return { child, pid: child.pid!, endpoint: line.trim() };
}

/** Reads the body of each request and answers it with the bytes given on stdin, as the emulator sends JSON. */
async function referenceServer(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length, 'x-ca-request-id': 'REFERENCE' });
      res.end(bytes);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`http://127.0.0.1:${port}\n`);
  });
}

async function main(): Promise<void> {
  const results: Record<string, { emulator: Measured; reference: Measured }[]> = {};
  const variants = bins.length > 0 ? bins : [undefined];
  for (let r = 0; r < rounds; r++) {
    for (const bin of variants) {
      const m = await measure(bin);
      (results[bin ?? 'bin/pdsfs'] ??= []).push(m);
      console.log(JSON.stringify({ round: r, bin: bin ?? 'bin/pdsfs', ...m, load: os.loadavg()[0] }));
    }
  }
  const rows: Row[] = [];
  const min = (v: number[]) => Math.min(...v);
  for (const [bin, runs] of Object.entries(results)) {
    rows.push({ metric: `server CPU per list: ${bin}`, value: min(runs.map((m) => m.emulator.serverMs)), unit: 'ms', reference: min(runs.map((m) => m.reference.serverMs)) });
    rows.push({ metric: `client CPU per list (node:http, JSON.parse): ${bin}`, value: min(runs.map((m) => m.emulator.clientMs)), unit: 'ms', reference: min(runs.map((m) => m.reference.clientMs)) });
  }
  for (const r of rows) r.ratio = r.value / r.reference!;
  printTable(`file/list of a ${files}-file folder as the mount asks it, ${calls} calls, ${PARALLEL} at a time; min of ${rounds} rounds; reference: a minimal Node server sending the same answer`, rows);
  console.log('results:', await writeResults('emulator-list', { calls, rounds, files, bins, loadavg: os.loadavg(), results, rows }));
}

if (process.argv[2] === '--reference-server') await referenceServer();
else await main();
