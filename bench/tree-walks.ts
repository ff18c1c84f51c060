// Walks of bench/tree.ts's tree (`ls -lR`, `find | wc -l`, `du -s`) on `pdsfs mount` beside `rclone
// mount --vfs-cache-mode writes`, each cold three ways apart: after a restart on a fresh cache
// folder (every listing from the embedded server again: what bench/tree.ts calls cold), after a
// restart on the kept cache (SQLite warm, kernel and process cold), and warm (BENCH_WALKS_WARM runs
// in a row). For each: seconds, the mount's CPU seconds (all threads, and its main thread) and the
// FUSE requests that reached JS. BENCH_PDSFS_BINS=a/bin/pdsfs,b/bin/pdsfs mounts several builds side
// by side and alternates them (an A/B in one window of load); BENCH_WALKS_REPS runs each that often.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runningDaemons } from '../src/control/client.js';
import { MOUNTED_MESSAGE } from '../src/fuse/mount.js';
import { printTable, processCpuSeconds, type Row, writeResults } from './lib.js';
import { makeTree, MountChild, rcloneTarget, sh, sleep, timed } from './tree.js';

const reps = Number(process.env.BENCH_WALKS_REPS ?? 3);
const warmRuns = Number(process.env.BENCH_WALKS_WARM ?? 5);
const bins = (process.env.BENCH_PDSFS_BINS ?? path.resolve(import.meta.dirname, '..', 'bin', 'pdsfs')).split(',');
const TOOLS: Record<string, (dir: string) => string> = {
  'ls -lR': (d) => `ls -lR '${d}' > /dev/null`,
  'find | wc -l': (d) => `find '${d}' | wc -l > /dev/null`,
  'du -s': (d) => `du -s '${d}' > /dev/null`,
};

interface Walk {
  seconds: number;
  cpu: number;
  mainCpu?: number;
  /** FUSE requests that reached JS, by op. */
  js?: Record<string, number>;
}

/** A pdsfs mount that can restart on a fresh cache folder or on the one it has. */
async function pdsfsMount(work: string, bin: string, label: string) {
  const mnt = path.join(work, `${label}-mnt`);
  let caches = 0;
  const cacheDir = () => path.join(work, `${label}-cache-${caches}`);
  let m!: MountChild;
  const start = async () => {
    m = new MountChild(spawn(bin, ['mount', mnt, '--data-dir', path.join(work, `${label}-data`), '--cache-dir', cacheDir(), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await m.waitFor((out) => out.includes(MOUNTED_MESSAGE), 'pdsfs mount');
  };
  await start();
  const drive = (await fs.readdir(path.join(mnt, 'drives'))).sort()[0];
  if (!drive) throw new Error('the pdsfs mount shows no drive');
  const status = async () => (await runningDaemons(cacheDir()))[0]!.status;
  return {
    dir: path.join(mnt, 'drives', drive),
    pid: () => m.child.pid!,
    requests: async () => (await status()).fuse!.byJs,
    uploaded: async () => {
      while ((await status()).uploads.pendingFiles > 0) await sleep(100);
    },
    restart: async (freshCache: boolean) => {
      await m.stop(mnt);
      if (freshCache) caches++;
      await start();
    },
    stop: () => m.stop(mnt),
  };
}

/** Where a target's CPU seconds are read: all its threads, and (pdsfs) its main thread. */
interface Cpu {
  all: () => Promise<number | undefined>;
  main?: () => Promise<number | undefined>;
}

const cpuOfPid = (pid: () => number): Cpu => ({ all: () => processCpuSeconds(pid()), main: () => processCpuSeconds(pid(), pid()) });

async function cpuNow(cpu: Cpu): Promise<[number, number]> {
  return [(await cpu.all()) ?? NaN, (await cpu.main?.()) ?? NaN];
}

async function walk(cmd: string, cpu: Cpu, requests?: () => Promise<Record<string, number>>): Promise<Walk> {
  const [cpu0, main0] = await cpuNow(cpu);
  const req0 = await requests?.();
  const seconds = await timed(() => sh(cmd));
  const [cpu1, main1] = await cpuNow(cpu);
  const req1 = await requests?.();
  const out: Walk = { seconds, cpu: cpu1 - cpu0 };
  if (cpu.main) out.mainCpu = main1 - main0;
  if (req0 && req1) out.js = Object.fromEntries(Object.entries(req1).map(([op, n]) => [op, n - (req0[op] ?? 0)]).filter(([, n]) => n !== 0));
  return out;
}

async function warm(cmd: string, cpu: Cpu): Promise<Walk> {
  const [cpu0, main0] = await cpuNow(cpu);
  let seconds = 0;
  for (let i = 0; i < warmRuns; i++) seconds += await timed(() => sh(cmd));
  const [cpu1, main1] = await cpuNow(cpu);
  return { seconds: seconds / warmRuns, cpu: (cpu1 - cpu0) / warmRuns, ...(cpu.main ? { mainCpu: (main1 - main0) / warmRuns } : {}) };
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-walks-'));
  const tree = path.join(work, 'tree');
  /** results[target][tool][case]: one Walk per run. */
  const results: Record<string, Record<string, Record<string, Walk[]>>> = {};
  const push = (target: string, tool: string, kind: string, w: Walk) => {
    (((results[target] ??= {})[tool] ??= {})[kind] ??= []).push(w);
    console.log(target, tool, kind, JSON.stringify(w));
  };
  const mounts: Awaited<ReturnType<typeof pdsfsMount>>[] = [];
  try {
    await makeTree(tree);
    const rclone = await rcloneTarget(work, tree);
    if (typeof rclone !== 'string') {
      await sh(`rsync -a '${tree}/' '${rclone.dir}/tree/'`);
      await rclone.uploaded();
      const cpu: Cpu = { all: () => rclone.cpuSeconds() };
      for (let r = 0; r < reps; r++) {
        for (const [tool, cmd] of Object.entries(TOOLS)) {
          await rclone.cold();
          push('rclone mount', tool, 'cold', await walk(cmd(`${rclone.dir}/tree`), cpu));
          push('rclone mount', tool, 'warm', await warm(cmd(`${rclone.dir}/tree`), cpu));
        }
      }
      await rclone.stop();
    }
    for (const [i, bin] of bins.entries()) {
      const m = await pdsfsMount(work, bin, `pdsfs${i}`);
      await sh(`rsync -a '${tree}/' '${m.dir}/tree/'`);
      await m.uploaded();
      mounts.push(m);
    }
    for (let r = 0; r < reps; r++) {
      for (const [i, m] of mounts.entries()) {
        const target = bins.length > 1 ? `pdsfs ${bins[i]}` : 'pdsfs mount';
        for (const [tool, cmd] of Object.entries(TOOLS)) {
          for (const fresh of [true, false]) {
            await m.restart(fresh);
            push(target, tool, fresh ? 'cold, fresh cache' : 'cold, kept cache', await walk(cmd(`${m.dir}/tree`), cpuOfPid(m.pid), m.requests));
            push(target, tool, fresh ? 'warm (after fresh)' : 'warm (after kept)', await warm(cmd(`${m.dir}/tree`), cpuOfPid(m.pid)));
          }
        }
      }
    }
  } finally {
    for (const m of mounts) await m.stop().catch(() => undefined);
    await fs.rm(work, { recursive: true, force: true });
  }
  const rows: Row[] = [];
  const range = (ws: Walk[], key: 'seconds' | 'cpu' | 'mainCpu') => {
    const v = ws.map((w) => w[key]).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    return v.length ? `${v[0]!.toFixed(3)}–${v[v.length - 1]!.toFixed(3)}` : 'n/a';
  };
  for (const [target, tools] of Object.entries(results)) {
    for (const [tool, kinds] of Object.entries(tools)) {
      for (const [kind, ws] of Object.entries(kinds)) {
        const median = ws.map((w) => w.seconds).sort((a, b) => a - b)[ws.length >> 1]!;
        rows.push({ metric: `${tool}, ${kind}: ${target}`, value: median, unit: 's', target: `runs ${range(ws, 'seconds')} s; CPU ${range(ws, 'cpu')} (main ${range(ws, 'mainCpu')})${ws[0]!.js ? `; JS ${JSON.stringify(ws[0]!.js)}` : ''}` });
      }
    }
  }
  printTable(`Walks of bench/tree.ts's tree, median of ${reps} runs; the mount's CPU seconds per walk`, rows);
  console.log('results:', await writeResults('tree-walks', { reps, warmRuns, bins, loadavg: os.loadavg(), results, rows }));
}

await main();
