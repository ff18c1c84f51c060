// Shared benchmark plumbing: a local PDS server in a child process (so this process's RSS is
// pdsfs's own), raw HTTP references, deterministic data, and result tables.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import readline from 'node:readline';
import { writeAt } from '../src/shared/write-at.js';
import type { Timed, VfsBenchResult, VfsBenchTask } from './vfs-pdsfs.js';

/** What a client needs to reach the local server's drive. */
export interface ServerAccess {
  endpoint: string;
  token: string;
  driveId: string;
}

export interface BenchEmulator extends ServerAccess {
  dataDir: string;
  /** The server's process, for its CPU seconds (processCpuSeconds). */
  pid: number;
  close(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, '..');

/**
 * `nodeArgs` go to node before bin/pdsfs (whose own line of node options `node bin/pdsfs` skips);
 * `bin` runs another build's bin/pdsfs (an A/B comparison).
 */
export async function startBenchEmulator(opts: { nodeArgs?: string[]; bin?: string } = {}): Promise<BenchEmulator> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-data-'));
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.bin ?? path.join(root, 'bin/pdsfs'), 'emulator', '--port', '0', '--json', '--data-dir', dataDir, '--token-ttl', '86400', '--fault-admin'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited (${code})`)));
  });
  const info = JSON.parse(line) as { endpoint: string; access_token: string; drive_id: string };
  return {
    endpoint: info.endpoint,
    token: info.access_token,
    driveId: info.drive_id,
    dataDir,
    pid: child.pid!,
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function api<T>(emu: ServerAccess, p: string, body: object): Promise<T> {
  const r = await fetch(emu.endpoint + p, {
    method: 'POST',
    headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/**
 * `/name` on the server: `size` folders of `size` files each, made by rapid upload of one stored blob
 * (`contentHash`, its SHA-1), so a tree of 10,000 files takes seconds and no data.
 */
export async function makeRemoteTree(emu: ServerAccess, name: string, size: number, contentHash: string): Promise<void> {
  const top = await api<{ file_id: string }>(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: 'root', name, type: 'folder', check_name_mode: 'refuse' });
  for (let d = 0; d < size; d++) {
    const dir = await api<{ file_id: string }>(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: top.file_id, name: `d${d}`, type: 'folder', check_name_mode: 'refuse' });
    await Promise.all(Array.from({ length: size }, (_, f) => api(emu, '/v2/file/create', {
      drive_id: emu.driveId, parent_file_id: dir.file_id, name: `f${f}.bin`, type: 'file', size: 1024 * 1024, content_hash: contentHash, content_hash_name: 'sha1', check_name_mode: 'refuse',
    })));
  }
}

/** 1 MiB chunks of pseudo-random data; chunk i always has the same bytes for the same seed. */
export function chunkFactory(seed: number): (i: number) => Buffer {
  const base = Buffer.alloc(1024 * 1024);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < base.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    base.writeUInt32LE(x >>> 0, i);
  }
  return (i) => {
    const b = Buffer.from(base);
    b.writeUInt32LE(i, 0);
    b.writeUInt32LE(seed, 4);
    return b;
  };
}

/** Raw reference: upload through create → part PUTs → complete, straight to the local server. */
export async function rawUpload(emu: BenchEmulator, name: string, sizeMiB: number, chunk: (i: number) => Buffer): Promise<{ seconds: number; fileId: string }> {
  const partMiB = Math.max(8, Math.ceil(sizeMiB / 10000));
  const parts = Math.max(1, Math.ceil(sizeMiB / partMiB));
  const t0 = performance.now();
  const c = await api<{ file_id: string; upload_id: string; part_info_list: { part_number: number; upload_url: string }[] }>(emu, '/v2/file/create', {
    drive_id: emu.driveId, parent_file_id: 'root', name, type: 'file', size: sizeMiB * 1024 * 1024, check_name_mode: 'refuse',
    part_info_list: Array.from({ length: parts }, (_, i) => ({ part_number: i + 1 })),
  });
  for (const part of c.part_info_list) {
    const first = (part.part_number - 1) * partMiB;
    const last = Math.min(sizeMiB, first + partMiB);
    const body = Buffer.concat(Array.from({ length: last - first }, (_, k) => chunk(first + k)));
    const r = await fetch(part.upload_url, { method: 'PUT', body });
    if (!r.ok) throw new Error(`part ${part.part_number}: ${r.status}`);
  }
  await api(emu, '/v2/file/complete', { drive_id: emu.driveId, file_id: c.file_id, upload_id: c.upload_id });
  return { seconds: (performance.now() - t0) / 1000, fileId: c.file_id };
}

/** What the local server counted (its /admin/stats): requests by kind and the most served at once. */
export interface ServerStats {
  requests: Record<string, number>;
  inFlightPeak: Record<string, number>;
  connections: number;
}

/** Reads the local server's counts, and starts them afresh for what comes next. */
export async function takeServerStats(emu: BenchEmulator): Promise<ServerStats> {
  // Both are idempotent: asked again when the server closed the idle keep-alive connection as it was reused.
  const admin = (method: string) => fetch(`${emu.endpoint}/admin/stats`, { method }).catch(() => fetch(`${emu.endpoint}/admin/stats`, { method }));
  const r = await admin('GET');
  if (!r.ok) throw new Error(`admin/stats: ${r.status}`);
  const stats = (await r.json()) as ServerStats;
  const reset = await admin('DELETE');
  if (!reset.ok) throw new Error(`admin/stats reset: ${reset.status}`);
  return stats;
}

/** Waits until the file at filePath is stored whole on the server (complete, at its size); polls every 100 ms. */
export async function waitUntilStored(emu: BenchEmulator, filePath: string, size: number, limitMs = 30 * 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    const r = await fetch(`${emu.endpoint}/v2/file/get_by_path`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ drive_id: emu.driveId, file_path: filePath }),
    });
    const f = r.ok ? ((await r.json()) as { status: string; size: number }) : undefined;
    if (f?.status === 'available' && f.size === size) return;
    if (Date.now() > until) throw new Error(`${filePath} was not stored in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Raw reference: one streamed GET of the whole file from its download URL. With `saveTo`, the
 * bytes are written to that file as they arrive (as `curl -o` would), and the file is removed after.
 */
export async function rawDownload(emu: BenchEmulator, fileId: string, saveTo?: string): Promise<{ seconds: number; bytes: number }> {
  const t0 = performance.now();
  const { url } = await api<{ url: string }>(emu, '/v2/file/get_download_url', { drive_id: emu.driveId, file_id: fileId });
  const r = await fetch(url);
  let bytes = 0;
  const out = saveTo ? createWriteStream(saveTo) : undefined;
  for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += c.length;
    if (out && !out.write(c)) await once(out, 'drain');
  }
  if (out) {
    out.end();
    await once(out, 'close');
  }
  const seconds = (performance.now() - t0) / 1000;
  if (saveTo) await fs.rm(saveTo, { force: true });
  return { seconds, bytes };
}

/**
 * Reference: the least a read-through cache must do with a GET — copy the bytes into 4 MiB blocks,
 * write each block to a file of its own (512 KiB write calls), and copy them out to a reader's
 * 1 MiB buffer — with pooled buffers and nothing else. The files are removed after. The CPU, page
 * faults and collections (measure) are from the answer's arrival on; `fetched` counts the bytes received. bench/minimal-loop.ts runs it in a process of its own.
 */
export async function minimalCacheLoop(emu: ServerAccess, fileId: string, dir: string, fetched = { bytes: 0 }): Promise<Timed> {
  const block = 4 * 1024 * 1024;
  const reader = Buffer.alloc(1024 * 1024);
  const pool: Buffer[] = Array.from({ length: 12 }, () => Buffer.allocUnsafeSlow(block));
  const writes = new Set<Promise<void>>();
  const t0 = performance.now();
  const { url } = await api<{ url: string }>(emu, '/v2/file/get_download_url', { drive_id: emu.driveId, file_id: fileId });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, resolve).once('error', reject));
  const measured = measure(t0);
  let buf = pool.pop()!;
  let at = 0;
  let bytes = 0;
  let blocks = 0;
  const complete = async (full: Buffer, length: number): Promise<void> => {
    const data = full.subarray(0, length);
    for (let o = 0; o < length; o += reader.length) data.copy(reader, 0, o, Math.min(length, o + reader.length));
    const write = fs.open(path.join(dir, `block-${blocks++}`), 'w').then(async (fh) => {
      await writeAt(fh.fd, data, 0).finally(() => fh.close());
      pool.push(full);
      writes.delete(write);
    });
    writes.add(write);
    while (pool.length === 0) await Promise.race(writes);
  };
  for await (const chunk of res as AsyncIterable<Buffer>) {
    for (let off = 0; off < chunk.length; ) {
      const n = chunk.copy(buf, at, off);
      at += n;
      off += n;
      bytes += n;
      fetched.bytes += n;
      if (at === block) {
        await complete(buf, at);
        buf = pool.pop()!;
        at = 0;
      }
    }
  }
  if (at > 0) await complete(buf, at);
  await Promise.all(writes);
  const timed = measured(bytes);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  return timed;
}

/**
 * Starts measuring this process (the time from `t0`): the result, given the bytes moved, gives the
 * time, the CPU seconds with their user and system parts, the minor page faults and the garbage
 * collections since.
 */
export function measure(t0 = performance.now()): (bytes: number) => Timed {
  const collections = { scavenges: 0, markCompacts: 0 };
  const count = (entries: PerformanceEntry[]) => {
    for (const e of entries) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) collections.scavenges++;
      else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) collections.markCompacts++;
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const r0 = process.resourceUsage();
  return (bytes) => {
    const r = process.resourceUsage();
    const seconds = (performance.now() - t0) / 1000;
    count(observer.takeRecords());
    observer.disconnect();
    const user = (r.userCPUTime - r0.userCPUTime) / 1e6;
    const system = (r.systemCPUTime - r0.systemCPUTime) / 1e6;
    return { seconds, bytes, cpu: user + system, user, system, faults: r.minorPageFault - r0.minorPageFault, ...collections };
  };
}

export interface Row {
  metric: string;
  value: number;
  unit: string;
  reference?: number;
  ratio?: number;
  target?: string;
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.table(rows.map((r) => ({ metric: r.metric, value: round(r.value), unit: r.unit, reference: r.reference === undefined ? '' : round(r.reference), ratio: r.ratio === undefined ? '' : round(r.ratio), target: r.target ?? '' })));
}

export async function writeResults(name: string, data: object): Promise<string> {
  const dir = path.join(root, 'bench', 'results');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  await fs.writeFile(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, ...data }, null, 2) + '\n');
  return file;
}

/** CPU seconds (user + system) a process, or with `tid` one of its threads, used so far; a figure the machine's load barely moves. */
export async function processCpuSeconds(pid: number, tid?: number): Promise<number> {
  const stat = await fs.readFile(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Lets the disk catch up before a measured phase: without it the kernel writes back the previous
 * phase's gigabytes (staging files, the server's blobs) during the next one.
 */
export function settle(): void {
  execFileSync('sync');
}

/** Runs one phase of bench/vfs-pdsfs.ts in a process of its own (its RSS is pdsfs's alone) and returns its figures. */
export function runVfsPhase(task: VfsBenchTask): Promise<Partial<VfsBenchResult>> {
  return runBenchChild<Partial<VfsBenchResult>>('vfs-pdsfs.ts', task);
}

/**
 * The minimal cache loop in a fresh process, as each pdsfs phase runs: a process that already moved
 * gigabytes (this one, after the upload) has its heap grown and its allocator warm, and took a
 * fifth of the page faults per GiB a fresh one did.
 */
export function runMinimalLoop(emu: ServerAccess, fileId: string): Promise<Timed> {
  return runBenchChild('minimal-loop.ts', { endpoint: emu.endpoint, token: emu.token, driveId: emu.driveId, fileId });
}

/**
 * What `#!/usr/bin/env -S NAME=VALUE… node FLAGS…` (bin/pdsfs's first line) gives node: the
 * environment and the node flags the installed command runs with.
 */
function binCommandLine(): { env: Record<string, string>; nodeFlags: string[] } {
  const words = readFileSync(path.join(root, 'bin', 'pdsfs'), 'utf8').split('\n')[0]!.split(/\s+/);
  const node = words.indexOf('node');
  if (!words[0]!.startsWith('#!') || node < 0) throw new Error('bin/pdsfs: no node on its first line');
  const env = Object.fromEntries(words.slice(1, node).filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, nodeFlags: words.slice(node + 1).filter(Boolean) };
}

/**
 * Runs bench/<script> with `task` in BENCH_TASK (JSON) and returns the last line it printed, parsed.
 * The process runs with bin/pdsfs's environment and node flags, as `pdsfs serve` or `pdsfs mount` would.
 */
async function runBenchChild<T>(script: string, task: object): Promise<T> {
  const bin = binCommandLine();
  const child = spawn(process.execPath, [...bin.nodeFlags, '--import', 'tsx', path.join(import.meta.dirname, script)], {
    env: { ...process.env, ...bin.env, BENCH_TASK: JSON.stringify(task) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`bench/${script} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** The middle value (the upper of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
