// Everyday tools on a tree through the FUSE mount, each beside a local-disk folder and an
// `rclone mount --vfs-cache-mode writes` over a local folder in the same run: rsync -a in ("until
// close" and "until uploaded"), a second rsync (must itemize nothing), ls -lR cold and warm, cp -r,
// find | wc -l, du -s, ls -lR after a restart, and the mount's peak RSS. pdsfs runs as a new user would: embedded local
// server, default options. The tree: BENCH_TREE_FILES (2000) files of 1–64 KiB in nested folders plus
// three files of BENCH_TREE_BIG_MB (64) MiB. rclone is skipped, with the reason, when missing.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runningDaemons } from '../src/control/client.js';
import type { DaemonStatus } from '../src/control/status-report.js';
import type { FuseRequestCounts } from '../src/core/fuse-request-counts.js';
import { EMBEDDED_THREAD_NAME } from '../src/emulator/embedded.js';
import { MOUNTED_MESSAGE } from '../src/fuse/mount.js';
import { peakRssOf } from './front-ends.js';
import { compiledProbe, loopReport, type LoopReport } from './listing-feed.js';
import { chunkFactory, printTable, processCpuSeconds, type Row, settle, writeResults } from './lib.js';

const run = promisify(execFile);
const treeFiles = Number(process.env.BENCH_TREE_FILES ?? 2000);
const bigMiB = Number(process.env.BENCH_TREE_BIG_MB ?? 64);
const MiB = 1024 * 1024;
const root = path.resolve(import.meta.dirname, '..');
/** BENCH_PDSFS_BIN runs another build's bin/pdsfs (an A/B comparison in the same window of load). */
const pdsfsBin = process.env.BENCH_PDSFS_BIN ?? path.join(root, 'bin', 'pdsfs');
/** BENCH_TREE_PARTS=rsync stops after the first rsync (until close, until uploaded, CPU, peak RSS): an A/B of the copy alone. */
const rsyncOnly = process.env.BENCH_TREE_PARTS === 'rsync';
/** BENCH_TREE_LOOP=1 times the pdsfs mount's event loop during the first rsync (loop-probe.ts): how long a FUSE request can wait for its turn. */
const timeLoop = process.env.BENCH_TREE_LOOP === '1';

export const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** 10 top folders of 10 subfolders; files of 1–64 KiB spread over the 100 leaves; three big files at the top. */
export async function makeTree(dir: string): Promise<void> {
  const data = Buffer.concat(Array.from({ length: bigMiB }, (_, i) => chunkFactory(11)(i)));
  for (let i = 0; i < treeFiles; i++) {
    const leaf = path.join(dir, `top-${i % 10}`, `sub-${Math.floor(i / 10) % 10}`);
    if (i < 100) await fs.mkdir(leaf, { recursive: true });
    const size = 1024 + ((i * 7919) % (63 * 1024));
    await fs.writeFile(path.join(leaf, `file-${i}.dat`), data.subarray(i * 13, i * 13 + size));
  }
  for (let b = 0; b < 3; b++) {
    data.writeUInt32LE(b, 0);
    await fs.writeFile(path.join(dir, `big-${b}.bin`), data);
  }
}

export interface Target {
  name: string;
  /** Where the tools write and read. */
  dir: string;
  /** Resolves once everything written has reached its store (local disk: at once). */
  uploaded(): Promise<void>;
  /** Drops what the target caches (a remount); local disk: nothing. */
  cold(): Promise<void>;
  /**
   * Stops the target and starts it again on what it keeps between runs (a user's restart): pdsfs its
   * metadata cache, rclone nothing (its listings are in memory only); local disk: nothing.
   */
  restart?(): Promise<void>;
  peakRssMiB(): Promise<number | undefined>;
  /** CPU seconds (user + system) the target's process used so far; a figure the machine's load barely moves. */
  cpuSeconds(): Promise<number | undefined>;
  /** Of those, the embedded local server's thread's (pdsfs only). */
  serverCpuSeconds(): Promise<number | undefined>;
  /** The FUSE requests that reached the mount's JavaScript so far, and those its binding answered (JS mounts only). */
  fuseRequests?(): Promise<FuseRequestCounts>;
  /** What the event-loop probe saw since it last reported (pdsfs with BENCH_TREE_LOOP only). */
  loop?(): Promise<LoopReport>;
  stop(): Promise<void>;
}

export class MountChild {
  private out = '';
  readonly exited: Promise<void>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }
  async waitFor(check: (out: string) => boolean, what: string): Promise<void> {
    const until = Date.now() + 60_000;
    while (!check(this.out)) {
      if (this.child.exitCode !== null || Date.now() > until) throw new Error(`${what} failed:\n${this.out}`);
      await sleep(50);
    }
  }
  async stop(mnt: string): Promise<void> {
    this.child.kill('SIGTERM');
    // Unref'd: once the child has exited, the 2-minute limit must not keep the benchmark alive.
    const limit = new Promise<false>((resolve) => setTimeout(resolve, 120_000, false).unref());
    const done = await Promise.race([this.exited.then(() => true), limit]);
    if (!done) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    try {
      execFileSync('fusermount', ['-uz', mnt], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  cpuSeconds(): Promise<number | undefined> {
    return processCpuSeconds(this.child.pid!).catch(() => undefined);
  }
  /** CPU seconds of the process's thread called `name`. */
  async threadCpuSeconds(name: string): Promise<number | undefined> {
    const pid = this.child.pid!;
    for (const tid of await fs.readdir(`/proc/${pid}/task`).catch(() => [])) {
      const comm = await fs.readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8').catch(() => '');
      if (comm.trim() === name) return processCpuSeconds(pid, Number(tid)).catch(() => undefined);
    }
    return undefined;
  }
  peakRssMiB(): Promise<number | undefined> {
    return peakRssOf(this.child.pid).catch(() => undefined);
  }
}

export async function isMounted(mnt: string): Promise<boolean> {
  return (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((l) => l.split(' ')[4] === mnt);
}

export function localTarget(work: string): Target {
  const dir = path.join(work, 'local');
  return {
    name: 'local disk',
    dir,
    uploaded: async () => undefined,
    cold: async () => undefined,
    restart: async () => undefined,
    peakRssMiB: async () => undefined,
    cpuSeconds: async () => undefined,
    serverCpuSeconds: async () => undefined,
    stop: async () => undefined,
  };
}

export async function rcloneTarget(work: string, tree: string): Promise<Target | string> {
  try {
    execFileSync('rclone', ['version'], { stdio: 'ignore' });
  } catch {
    return 'rclone is not installed';
  }
  const backing = path.join(work, 'rclone-backing');
  const mnt = path.join(work, 'rclone-mnt');
  await fs.mkdir(backing, { recursive: true });
  await fs.mkdir(mnt, { recursive: true });
  let m: MountChild;
  const start = async () => {
    m = new MountChild(spawn('rclone', ['mount', backing, mnt, '--vfs-cache-mode', 'writes', '--cache-dir', path.join(work, 'rclone-cache')], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const until = Date.now() + 60_000;
    while (!(await isMounted(mnt))) {
      if (m.child.exitCode !== null || Date.now() > until) throw new Error('rclone mount did not come up');
      await sleep(50);
    }
  };
  await start();
  return {
    name: 'rclone mount',
    dir: mnt,
    // rclone uploads a closed file after --vfs-write-back (5 s): done once the backing folder has it all.
    uploaded: async () => {
      const want = await fileBytes(tree);
      while ((await fileBytes(path.join(backing, 'tree')).catch(() => 0)) < want) await sleep(100);
    },
    cold: async () => {
      await m.stop(mnt);
      await start();
    },
    restart: async () => {
      await m.stop(mnt);
      await start();
    },
    peakRssMiB: () => m.peakRssMiB(),
    cpuSeconds: () => m.cpuSeconds(),
    serverCpuSeconds: async () => undefined,
    stop: () => m.stop(mnt),
  };
}

/** `pdsfs mount` with the embedded server; `args` add options (each set gets folders of its own under `label`). */
export async function pdsfsTarget(work: string, args: string[] = [], label = 'pdsfs'): Promise<Target> {
  const mnt = path.join(work, `${label}-mnt`);
  const dataDir = path.join(work, `${label}-data`);
  const cacheDir = () => path.join(work, `${label}-cache-${caches}`);
  let caches = 0;
  let m: MountChild;
  const loopFile = path.join(work, 'loop.json');
  const probe = timeLoop ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${await mainThreadProbe(path.join(work, 'loop-probe'))}`, PDSFS_BENCH_LOOP_FILE: loopFile } : {};
  const start = async () => {
    // Defaults, as a new user runs it: the embedded local server in --data-dir.
    m = new MountChild(
      spawn(pdsfsBin, ['mount', mnt, '--data-dir', dataDir, '--cache-dir', cacheDir(), '--log-level', 'warn', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...probe },
      }),
    );
    await m.waitFor((out) => out.includes(MOUNTED_MESSAGE), 'pdsfs mount');
  };
  await start();
  // The mount's root holds drives/ and shares/; the tools work in the first drive (the development user's own).
  const drive = (await fs.readdir(path.join(mnt, 'drives'))).sort()[0];
  if (!drive) throw new Error('the pdsfs mount shows no drive');
  const dir = path.join(mnt, 'drives', drive);
  return {
    name: args.length ? `pdsfs mount ${args.join(' ')}` : 'pdsfs mount',
    dir,
    // Asked of the daemon's control socket, one small request a poll: walking the tree for each
    // file's user.pds.pending (as before) cost the mount ~0.6 CPU-s a walk, counted as its own CPU.
    uploaded: async () => {
      while ((await daemonStatus(cacheDir())).uploads.pendingFiles > 0) await sleep(100);
    },
    // A fresh cache folder: listings come from the server again.
    cold: async () => {
      await m.stop(mnt);
      caches++;
      await start();
    },
    // The same cache folder: listings as the last run left them, kept current by the change feed.
    restart: async () => {
      await m.stop(mnt);
      await start();
    },
    peakRssMiB: () => m.peakRssMiB(),
    cpuSeconds: () => m.cpuSeconds(),
    serverCpuSeconds: () => m.threadCpuSeconds(EMBEDDED_THREAD_NAME),
    fuseRequests: async () => (await daemonStatus(cacheDir())).fuse!,
    ...(timeLoop ? { loop: () => loopReport(m.child.pid!, loopFile) } : {}),
    stop: () => m.stop(mnt),
  };
}

/**
 * The loop probe, loaded in the daemon's main thread only: NODE_OPTIONS' --import also runs in the
 * embedded server's worker, where the probe's 1 ms timers added about 4 CPU-s to an rsync.
 */
async function mainThreadProbe(dir: string): Promise<string> {
  const probe = await compiledProbe(dir);
  const wrapper = path.join(dir, 'main-thread-probe.js');
  await fs.writeFile(wrapper, `import { isMainThread } from 'node:worker_threads';\nif (isMainThread) await import(${JSON.stringify(probe)});\n`);
  return wrapper;
}

/** The status of the mount on this cache dir. */
async function daemonStatus(cacheDir: string): Promise<DaemonStatus> {
  const [daemon] = await runningDaemons(cacheDir);
  if (!daemon) throw new Error(`no pdsfs daemon answers on ${cacheDir}`);
  return daemon.status;
}

/** Bytes of the regular files under dir. */
async function fileBytes(dir: string): Promise<number> {
  const { stdout } = await run('find', [dir, '-type', 'f', '-printf', '%s\n'], { maxBuffer: 64 * MiB });
  return stdout.split('\n').reduce((sum, n) => sum + Number(n || 0), 0);
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return seconds(t0);
}

export const sh = (cmd: string, cwd?: string) => run('sh', ['-c', cmd], { maxBuffer: 256 * MiB, ...(cwd ? { cwd } : {}) });

interface Figures {
  rsync: number;
  rsyncUploaded: number;
  rsyncAgain: number;
  itemized: string;
  /** What the second rsync itemized (its first lines), when anything: a change must be explainable afterwards. */
  itemizedLines?: string[];
  lsCold: number;
  lsWarm: number;
  /** ls -lR after a restart (restart()), once the copy is in. */
  lsRestart: number;
  cp: number;
  find: number;
  du: number;
  rss?: number;
  /** CPU seconds of the mount process from the start of the rsync until uploaded. */
  cpu?: number;
  /** Of those, the embedded local server's thread's. */
  serverCpu?: number;
  /** The mount's event loop during the first rsync, until close (BENCH_TREE_LOOP). */
  loop?: { p99: number; max: number; longestLessCpuWait: number };
}

async function measure(t: Target, tree: string): Promise<Figures> {
  settle();
  const cpu0 = await t.cpuSeconds();
  const server0 = await t.serverCpuSeconds();
  await t.loop?.();
  const r0 = performance.now();
  await run('rsync', ['-a', `${tree}/`, `${t.dir}/tree/`]);
  const rsync = seconds(r0);
  const seen = await t.loop?.();
  const loop = seen && { p99: seen.p99, max: seen.max, longestLessCpuWait: seen.longestLessCpuWait.wall - seen.longestLessCpuWait.queued };
  await t.uploaded();
  const rsyncUploaded = seconds(r0);
  const cpu1 = await t.cpuSeconds();
  const server1 = await t.serverCpuSeconds();
  const rss = await t.peakRssMiB();
  const cpuFigures = { ...(loop ? { loop } : {}), ...(rss !== undefined ? { rss } : {}), ...(cpu0 !== undefined && cpu1 !== undefined ? { cpu: cpu1 - cpu0 } : {}), ...(server0 !== undefined && server1 !== undefined ? { serverCpu: server1 - server0 } : {}) };
  if (rsyncOnly) return { rsync, rsyncUploaded, rsyncAgain: NaN, itemized: '', lsCold: NaN, lsWarm: NaN, lsRestart: NaN, cp: NaN, find: NaN, du: NaN, ...cpuFigures };
  const a0 = performance.now();
  const again = await run('rsync', ['-a', '-i', `${tree}/`, `${t.dir}/tree/`]);
  const rsyncAgain = seconds(a0);
  await t.cold();
  const lsCold = await timed(() => sh(`ls -lR '${t.dir}/tree' > /dev/null`));
  const lsWarm = await timed(() => sh(`ls -lR '${t.dir}/tree' > /dev/null`));
  const find = await timed(() => sh(`find '${t.dir}/tree' | wc -l > /dev/null`));
  const du = await timed(() => sh(`du -s '${t.dir}/tree' > /dev/null`));
  settle();
  const cp = await timed(() => sh(`cp -r '${tree}' '${t.dir}/copy'`));
  await t.restart?.();
  const lsRestart = t.restart ? await timed(() => sh(`ls -lR '${t.dir}/tree' > /dev/null`)) : NaN;
  const itemizedLines = again.stdout.trim().split('\n').filter(Boolean);
  return {
    rsync, rsyncUploaded, rsyncAgain, itemized: `${itemizedLines.length} changes`, ...(itemizedLines.length ? { itemizedLines: itemizedLines.slice(0, 20) } : {}),
    lsCold, lsWarm, lsRestart, cp, find, du, ...cpuFigures,
  };
}

/**
 * Starts the targets `only` names (by prefix; all without it) one after another, each once the
 * caller is done with the one before; a target that cannot run here is noted in `results` as skipped.
 */
export async function* startedTargets(makers: [string, () => Promise<Target | string>][], only: string[] | undefined, results: Record<string, unknown>): AsyncGenerator<[string, Target]> {
  for (const [name, make] of makers) {
    if (only && !only.some((o) => name.startsWith(o))) continue;
    const t = await make();
    if (typeof t === 'string') {
      results[name] = `skipped: ${t}`;
      console.log(`${name}: skipped (${t})`);
      continue;
    }
    await fs.mkdir(t.dir, { recursive: true });
    yield [name, t];
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-tree-'));
  const tree = path.join(work, 'tree');
  const only = process.env.BENCH_TREE_TARGETS?.split(',');
  const results: Record<string, Figures | string> = {};
  const targets: Target[] = [];
  try {
    await makeTree(tree);
    const makers: [string, () => Promise<Target | string>][] = [
      ['local disk', async () => localTarget(work)],
      ['rclone mount', () => rcloneTarget(work, tree)],
      ['pdsfs mount', () => pdsfsTarget(work)],
    ];
    for await (const [name, t] of startedTargets(makers, only, results)) {
      targets.push(t);
      results[name] = await measure(t, tree);
      await t.stop();
      console.log(name, results[name]);
    }
  } finally {
    for (const t of targets) await t.stop().catch(() => undefined);
    await fs.rm(work, { recursive: true, force: true });
  }
  const local = results['local disk'] as Figures | undefined;
  const rclone = typeof results['rclone mount'] === 'object' ? (results['rclone mount'] as Figures) : undefined;
  const pdsfs = results['pdsfs mount'] as Figures | undefined;
  const rows: Row[] = [];
  if (pdsfs) {
    const row = (metric: string, key: keyof Figures, target?: string) => {
      const v = pdsfs[key] as number;
      rows.push({ metric: `${metric}: pdsfs`, value: v, unit: 's', ...(local ? { reference: local[key] as number, ratio: v / (local[key] as number) } : {}), ...(target ? { target } : {}) });
      if (rclone) rows.push({ metric: `${metric}: rclone mount`, value: rclone[key] as number, unit: 's', ...(local ? { reference: local[key] as number, ratio: (rclone[key] as number) / (local[key] as number) } : {}) });
    };
    row('rsync -a in, until close', 'rsync', rclone ? `pdsfs/rclone ${(pdsfs.rsync / rclone.rsync).toFixed(2)}` : undefined);
    row('rsync -a in, until uploaded', 'rsyncUploaded', `uploaded/close ${(pdsfs.rsyncUploaded / pdsfs.rsync).toFixed(2)}`);
    row('second rsync -a', 'rsyncAgain', `pdsfs ${pdsfs.itemized}`);
    row('ls -lR cold', 'lsCold', rclone ? `pdsfs/rclone ${(pdsfs.lsCold / rclone.lsCold).toFixed(2)}` : undefined);
    row('ls -lR warm', 'lsWarm', rclone ? `pdsfs/rclone ${(pdsfs.lsWarm / rclone.lsWarm).toFixed(2)}` : undefined);
    row('ls -lR after a restart (pdsfs: on its kept cache)', 'lsRestart', rclone ? `pdsfs/rclone ${(pdsfs.lsRestart / rclone.lsRestart).toFixed(2)}` : undefined);
    row('cp -r in, until close', 'cp', rclone ? `pdsfs/rclone ${(pdsfs.cp / rclone.cp).toFixed(2)}` : undefined);
    row('find | wc -l', 'find');
    row('du -s', 'du');
    if (pdsfs.cpu !== undefined) rows.push({ metric: 'CPU seconds of the mount process, rsync until uploaded: pdsfs', value: pdsfs.cpu, unit: 's', ...(rclone?.cpu !== undefined ? { reference: rclone.cpu, ratio: pdsfs.cpu / rclone.cpu } : {}), target: 'reference: rclone mount' });
    if (pdsfs.serverCpu !== undefined) rows.push({ metric: "  of which the embedded local server's thread", value: pdsfs.serverCpu, unit: 's' });
    if (pdsfs.loop) {
      rows.push({ metric: "the mount's event-loop delay during the rsync, p99", value: pdsfs.loop.p99, unit: 'ms' });
      rows.push({ metric: '  longest', value: pdsfs.loop.max, unit: 'ms' });
      rows.push({ metric: '  longest gap less CPU wait', value: pdsfs.loop.longestLessCpuWait, unit: 'ms' });
    }
    if (pdsfs.rss !== undefined) rows.push({ metric: 'peak RSS of the pdsfs mount (rsync)', value: pdsfs.rss, unit: 'MiB', ...(rclone?.rss ? { reference: rclone.rss } : {}), target: '< 200' });
  }
  printTable(`Tree of ${treeFiles} small files + 3 × ${bigMiB} MiB; ratio = seconds / local disk's (shared machine: compare within a run)`, rows);
  console.log('results:', await writeResults('tree', { treeFiles, bigMiB, results, rows }));
}

// Run as a benchmark, not when bench/fuse-floor.ts imports the helpers above.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
