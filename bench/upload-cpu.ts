// The client's CPU per uploaded small file and per folder: an rsync-shaped copy of BENCH_UPLOAD_FILES
// (500) files of 1–64 KiB into folders of ten, through the VFS (per file what rsync asks: create,
// fchmod of the new file, write, close, utimens, chmod, rename), against the local PDS server in a
// child process (its CPU is not counted). The copy runs with uploads held back; then the drain
// uploads them all. For each phase: this process's CPU-ms (all threads, and its main thread alone), server requests and SQLite statements,
// per file and per folder. BENCH_UPLOAD_PROFILE=x.cpuprofile writes the drain's CPU profile
// (BENCH_UPLOAD_PROFILE_PHASE=copy: the copy's).
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import Database from 'better-sqlite3';
import { createApp } from '../src/app.js';
import { defaultAppOptions } from '../test/helpers/app-options.js';
import { chunkFactory, startBenchEmulator, type BenchEmulator } from './lib.js';

const files = Number(process.env.BENCH_UPLOAD_FILES ?? 500);
const perFolder = 10;

/** Statements run, by their SQL. */
const bySql = new Map<string, number>();

/** Counts every statement better-sqlite3 runs in this process. */
function countStatements(): () => number {
  let n = 0;
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  for (const m of ['run', 'get', 'all', 'iterate']) {
    const orig = proto[m]!;
    proto[m] = function (this: { source: string }, ...a: unknown[]) {
      n++;
      const sql = this.source.replace(/\s+/g, ' ').slice(0, 90);
      bySql.set(sql, (bySql.get(sql) ?? 0) + 1);
      return orig.apply(this, a);
    };
  }
  return () => n;
}

/** CPU-ms this process's main thread (the event loop) has run so far, from the scheduler's own count. */
async function mainThreadCpuMs(): Promise<number> {
  const stat = await fs.readFile(`/proc/self/task/${process.pid}/schedstat`, 'utf8');
  return Number(stat.split(' ')[0]) / 1e6;
}

/** The server's requests by kind, and as `(commits)` its group commits where it counts them. */
async function serverRequests(emu: BenchEmulator): Promise<Record<string, number>> {
  const r = await fetch(`${emu.endpoint}/admin/stats`);
  const stats = (await r.json()) as { requests: Record<string, number>; commits?: number };
  return { ...stats.requests, ...(stats.commits !== undefined ? { '(commits)': stats.commits } : {}) };
}

function diff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b)) if (v !== (a[k] ?? 0)) out[k] = v - (a[k] ?? 0);
  return out;
}

const statements = countStatements();
const emu = await startBenchEmulator();
const cacheRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-upcpu-'));
const app = await createApp({ ...defaultAppOptions(emu.endpoint, emu.token, cacheRoot), drive: emu.driveId, writeBackMs: 3_600_000 });
const vfs = app.vfs;
const data = chunkFactory(5)(0);
const folders = Math.ceil(files / perFolder);
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const attrs = (mode: number, mtime: number) => ({ mode, uid: 0, gid: 0, rdev: 0, atime: ns(mtime), mtime: ns(mtime), ctime: ns(mtime) });

/**
 * Under valgrind's callgrind (BENCH_UPLOAD_CALLGRIND=1), dumps the counts so far, so each phase's
 * instructions are the difference of two dumps: counts that do not move with the machine's load.
 */
async function callgrindDump(label: string): Promise<void> {
  if (process.env.BENCH_UPLOAD_CALLGRIND !== '1') return;
  await new Promise<void>((resolve, reject) => execFile('callgrind_control', ['-d', label, String(process.pid)], (err) => (err ? reject(err) : resolve())));
}

async function phase(name: string, units: Record<string, number>, work: () => Promise<void>): Promise<void> {
  bySql.clear();
  // For a profiler attached from outside (perf record -t PID) to start with the phase.
  console.error(`phase starts: ${name}`);
  if (process.env.BENCH_UPLOAD_PAUSE_MS) await new Promise((r) => setTimeout(r, Number(process.env.BENCH_UPLOAD_PAUSE_MS)));
  const r0 = await serverRequests(emu);
  const s0 = statements();
  const m0 = await mainThreadCpuMs();
  const c0 = process.cpuUsage();
  await callgrindDump(`${name.split(' ')[0]}-start`);
  const t0 = performance.now();
  await work();
  await callgrindDump(`${name.split(' ')[0]}-end`);
  const c = process.cpuUsage(c0);
  const mainMs = (await mainThreadCpuMs()) - m0;
  const seconds = (performance.now() - t0) / 1000;
  const s = statements() - s0;
  const req = diff(r0, await serverRequests(emu));
  const cpuMs = (c.user + c.system) / 1000;
  const per = Object.fromEntries(Object.entries(units).map(([u, n]) => [u, { cpuMs: +(cpuMs / n).toFixed(3), mainThreadMs: +(mainMs / n).toFixed(3), statements: +(s / n).toFixed(2), requests: +(Object.entries(req).reduce((x, [k, y]) => (k.startsWith('(') ? x : x + y), 0) / n).toFixed(2) }]));
  if (process.env.BENCH_UPLOAD_SQL) for (const [sql, k] of [...bySql].sort((a, b) => b[1] - a[1])) console.log(`${k}\t${sql}`);
  console.log(JSON.stringify({ phase: name, seconds: +seconds.toFixed(2), cpuMs: Math.round(cpuMs), mainThreadMs: Math.round(mainMs), statements: s, requests: req, per }));
}

/** Runs work under the V8 CPU profiler when `out` names a .cpuprofile file to write. */
async function profiled(out: string | undefined, work: () => Promise<void>): Promise<void> {
  if (!out) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  await work();
  const { profile } = await session.post('Profiler.stop');
  await fs.writeFile(out, JSON.stringify(profile));
  session.disconnect();
}

try {
  await vfs.mkdir('/tree');
  const t = Date.now() - 86_400_000;
  const profileOf = (name: string) => ((process.env.BENCH_UPLOAD_PROFILE_PHASE ?? 'drain') === name ? process.env.BENCH_UPLOAD_PROFILE : undefined);
  await phase('copy (mkdir, create, fchmod, write, close, utimens, chmod, rename; folder chmod + utimens)', { file: files, folder: folders }, () => profiled(profileOf('copy'), async () => {
    for (let d = 0; d < folders; d++) {
      const dir = `/tree/d${d}`;
      await vfs.mkdir(dir, attrs(0o40700, t));
      for (let i = d * perFolder; i < Math.min(files, (d + 1) * perFolder); i++) {
        const size = 1024 + ((i * 7919) % (63 * 1024));
        const tmp = `${dir}/.f${i}.XXXX`;
        const h = await vfs.open(tmp, { read: false, write: true, create: true, truncate: false, attrs: attrs(0o100600, t) });
        await vfs.setAttrs(tmp, attrs(0o100600, t));
        await h.write(data, 0, size);
        await h.release();
        await vfs.setMtime(tmp, t);
        await vfs.setAttrs(tmp, attrs(0o100644, t));
        await vfs.rename(tmp, `${dir}/f${i}`);
      }
      await vfs.setAttrs(dir, attrs(0o40755, t));
      await vfs.setMtime(dir, t);
    }
  }));
  // The folders' changes still waiting in the op log (a slow copy, or one under valgrind) go before
  // the drain, which then counts the uploads alone.
  while (app.admin.offline().changes.pending > 0) await new Promise((r) => setTimeout(r, 50));
  await phase('drain (upload every file)', { file: files }, () => profiled(profileOf('drain'), () => vfs.drain()));
} finally {
  await app.close();
  await emu.close();
  await fs.rm(cacheRoot, { recursive: true, force: true });
}
