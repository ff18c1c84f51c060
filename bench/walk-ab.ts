// The mount's first cold walk under the WAN profile (bench/net.ts's `ls -lR` of 100 × 100), again
// and again, builds or settings alternating in the same minutes: a wall-clock figure on a shared
// machine swings by a third between runs, so a change is judged against the code before it run
// after run. Each round mounts a fresh process on a fresh cache and prints one JSON line: the
// walk's seconds and round trips; pdsfs's CPU seconds (all threads; by thread kind: its main thread,
// libfuse's, the rest; its main thread's time waiting for a CPU, in the kernel, and its page
// faults); `ls`'s own CPU; the server's; how long the machine's CPUs sat idle; and the list calls
// the server answered.
//
// `WALK_AB=a,b` names the variants (default one, `cur`); for each, `WALK_AB_DIST_a` is a compiled
// build to mount with (a copy of dist/ kept inside the repository, so its packages resolve; default
// dist/), `WALK_AB_ARGS_a` extra `pdsfs mount` options, `WALK_AB_NODE_a` extra Node options,
// `WALK_AB_ENV_a` extra environment (NAME=value, space-separated). `WALK_AB_ROUNDS` (3) rounds,
// BENCH_WALK (100) the tree's size. `WALK_AB_RUNNING=1` walks another cold tree of the same shape
// first in each mount (a running daemon, past its first walk's one-off costs); `WALK_AB_WARM=1`
// walks the tree again warm after (the readdirs alone: the kernel still holds the lookups);
// `WALK_AB_GC=1` runs the mount with --trace-gc and counts its collections during the walk.
//   cp -a dist .dist-before && <change, npm run build> &&
//   WALK_AB=before,after WALK_AB_DIST_before=.dist-before node --import tsx bench/walk-ab.ts
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MOUNTED_MESSAGE } from '../src/fuse/mount.js';
import { api, chunkFactory, makeRemoteTree, processCpuSeconds, rawUpload, startBenchEmulator, takeServerStats } from './lib.js';

const run = promisify(execFile);
const walkSize = Number(process.env.BENCH_WALK ?? 100);
const rounds = Number(process.env.WALK_AB_ROUNDS ?? 3);
const variants = (process.env.WALK_AB ?? 'cur').split(',');
const running = process.env.WALK_AB_RUNNING === '1';
const warmToo = process.env.WALK_AB_WARM === '1';
const countGc = process.env.WALK_AB_GC === '1';
const repo = path.resolve(import.meta.dirname, '..');
/** bin/pdsfs's Node options (its first line), as the installed command runs. */
const BIN_NODE_FLAGS = ['--max-semi-space-size=2', '--no-sparkplug', '--no-turbofan'];

const option = (name: string, variant: string) => process.env[`WALK_AB_${name}_${variant}`]?.split(' ').filter(Boolean) ?? [];

/** Seconds the thread ran and waited in the run queue so far (/proc schedstat, in ns). */
async function schedule(pid: number, tid = pid): Promise<{ ran: number; waited: number }> {
  const [ran, waited] = (await fs.readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')).split(' ').map(Number);
  return { ran: ran! / 1e9, waited: waited! / 1e9 };
}

/** The main thread of pid so far: seconds in the kernel (/proc stime, in clock ticks of 1/100 s) and minor page faults. */
async function systemSeconds(pid: number): Promise<{ seconds: number; faults: number }> {
  const stat = await fs.readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { seconds: Number(fields[12]) / 100, faults: Number(fields[7]) };
}

/** Seconds all CPUs of the machine were idle so far (/proc/stat, in clock ticks of 1/100 s). */
async function idleSeconds(): Promise<number> {
  const cpu = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).map(Number);
  return (cpu[4]! + cpu[5]!) / 100;
}

/**
 * Seconds each live thread of pid ran so far, by thread id, with its kind: the main thread, libfuse's
 * (Node names all its threads "node"; an idle libfuse thread waits in the kernel's FUSE read), or other.
 */
async function threads(pid: number): Promise<Map<number, { name: string; ran: number }>> {
  const out = new Map<number, { name: string; ran: number }>();
  for (const tid of (await fs.readdir(`/proc/${pid}/task`)).map(Number)) {
    const waits = await fs.readFile(`/proc/${pid}/task/${tid}/wchan`, 'utf8').catch(() => '');
    const s = await schedule(pid, tid).catch(() => undefined);
    if (s) out.set(tid, { name: tid === pid ? 'main' : waits.includes('fuse') ? 'fuse' : 'other', ran: s.ran });
  }
  return out;
}

/** CPU seconds per thread name over a walk (threads that ended during it are in the process's total only). */
function byThreadName(before: Map<number, { name: string; ran: number }>, after: Map<number, { name: string; ran: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [tid, t] of after) out[t.name] = Number(((out[t.name] ?? 0) + t.ran - (before.get(tid)?.ran ?? 0)).toFixed(3));
  return out;
}

async function mount(variant: string, mnt: string, cacheDir: string, emu: { endpoint: string; token: string; driveId: string }) {
  const main = path.resolve(repo, process.env[`WALK_AB_DIST_${variant}`] ?? 'dist', 'cli', 'main.js');
  const args = [...BIN_NODE_FLAGS, ...(countGc ? ['--trace-gc'] : []), ...option('NODE', variant), main, 'mount', mnt, '--endpoint', emu.endpoint, '--cache-dir', cacheDir,
    '--drive', emu.driveId, '--write-back', '0', '--poll-interval', '3600', '--log-level', 'warn', ...option('ARGS', variant)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MALLOC_ARENA_MAX: '2', PDSFS_ACCESS_TOKEN: emu.token, ...Object.fromEntries(option('ENV', variant).map((kv) => kv.split('=', 2) as [string, string])) } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes(MOUNTED_MESSAGE)) {
    if (child.exitCode !== null) throw new Error(`mount exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid!,
    /** Collections V8 reported so far (with WALK_AB_GC=1, which runs it with --trace-gc). */
    collections: () => ({ scavenges: out.split('Scavenge').length - 1, markCompacts: out.split('Mark-Compact').length - 1 }),
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const emu = await startBenchEmulator();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-walk-ab-'));
  let mounted: { stop: () => Promise<void> } | undefined;
  try {
    const seed = await rawUpload(emu, 'seed.bin', 1, chunkFactory(9));
    const { content_hash } = await api<{ content_hash: string }>(emu, '/v2/file/get', { drive_id: emu.driveId, file_id: seed.fileId });
    for (const name of running ? ['tree', 'tree-before'] : ['tree']) await makeRemoteTree(emu, name, walkSize, content_hash);
    const shaped = await fetch(`${emu.endpoint}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ netProfile: 'wan' }) });
    if (!shaped.ok) throw new Error(`admin/faults: ${shaped.status}`);
    // The unit of the target: one list call's round trip under the profile (median of 5).
    const trips: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await api(emu, '/v2/file/list', { drive_id: emu.driveId, parent_file_id: 'root', limit: 100 });
      trips.push(performance.now() - t0);
    }
    const rtt = trips.sort((a, b) => a - b)[2]! / 1000;
    let n = 0;
    for (let r = 0; r < rounds; r++) {
      for (const v of variants) {
        const mnt = path.join(work, `mnt-${n}`);
        await fs.mkdir(mnt);
        const m = (mounted = await mount(v, mnt, path.join(work, `cache-${n++}`), emu));
        // A running daemon: one that walked another cold tree of the same shape first (past its first walk's one-off CPU).
        if (running) await run('ls', ['-lR', `${mnt}/tree-before`], { maxBuffer: 256 * 1024 * 1024 });
        await takeServerStats(emu);
        const [cpu0, main0, server0, threads0, sys0] = [await processCpuSeconds(m.pid), await schedule(m.pid), await processCpuSeconds(emu.pid), await threads(m.pid), await systemSeconds(m.pid)];
        const idle0 = await idleSeconds();
        const gc0 = m.collections();
        const lsTimes = path.join(work, `ls-times-${n}`);
        const t0 = performance.now();
        const { stdout } = await run('/usr/bin/time', ['-f', '%U %S', '-o', lsTimes, 'ls', '-lR', `${mnt}/tree`], { maxBuffer: 256 * 1024 * 1024 });
        const seconds = (performance.now() - t0) / 1000;
        const idle = (await idleSeconds()) - idle0;
        const gc1 = m.collections();
        const gc = countGc ? { scavenges: gc1.scavenges - gc0.scavenges, markCompacts: gc1.markCompacts - gc0.markCompacts } : {};
        const [cpu1, main1, server1, threads1, sys1] = [await processCpuSeconds(m.pid), await schedule(m.pid), await processCpuSeconds(emu.pid), await threads(m.pid), await systemSeconds(m.pid)];
        const [lsUser, lsSystem] = (await fs.readFile(lsTimes, 'utf8')).trim().split(/\s+/).map(Number);
        const stats = await takeServerStats(emu);
        // The same walk again at once: no list call, and the kernel still holds every entry's lookup and attributes, so what pdsfs spends is its readdirs.
        const main2 = await schedule(m.pid);
        const cpu2 = await processCpuSeconds(m.pid);
        const t1 = performance.now();
        if (warmToo) await run('ls', ['-lR', `${mnt}/tree`], { maxBuffer: 256 * 1024 * 1024 });
        const warm = warmToo ? { warmSeconds: Number(((performance.now() - t1) / 1000).toFixed(3)), warmMainRan: Number(((await schedule(m.pid)).ran - main2.ran).toFixed(3)), warmCpu: Number(((await processCpuSeconds(m.pid)) - cpu2).toFixed(2)) } : {};
        await m.stop();
        mounted = undefined;
        const load = Number((await fs.readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
        const fixed = (x: number, digits = 2) => Number(x.toFixed(digits));
        console.log(JSON.stringify({
          variant: v, round: r, seconds: fixed(seconds, 3), roundTrips: fixed(seconds / rtt, 1), entries: stdout.split('\n').filter((l) => /^[-d]/.test(l)).length,
          pdsfsCpu: fixed(cpu1 - cpu0), mainRan: fixed(main1.ran - main0.ran), mainWaited: fixed(main1.waited - main0.waited), mainSystem: fixed(sys1.seconds - sys0.seconds), mainFaults: sys1.faults - sys0.faults, serverCpu: fixed(server1 - server0),
          lsCpu: fixed(lsUser! + lsSystem!), idleCpu: fixed(idle), ...gc, threads: byThreadName(threads0, threads1),
          ...warm, lists: stats.requests['/v2/file/list'] ?? 0, listsAtOnce: stats.inFlightPeak['/v2/file/list'] ?? 0, load,
        }));
      }
    }
    console.log(`list round trip ${(rtt * 1000).toFixed(0)} ms`);
  } finally {
    await mounted?.stop();
    await emu.close();
    await fs.rm(work, { recursive: true, force: true });
  }
}

await main();
