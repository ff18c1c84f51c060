// The floor of a JavaScript FUSE filesystem (issue 11): rsync -a, ls -lR cold and warm, and cp -r of
// bench/tree.ts's tree on local disk, on `rclone mount --vfs-cache-mode writes`, on the floor
// filesystem (bench/floor-fs.ts: a Map of nodes in memory on pdsfs's own binding and options, every
// op answered at once) and on `pdsfs mount` (default options, and with --write-back 60, which holds
// the uploads back so that only the foreground runs), all in one run. For each tool and target: wall
// seconds, the CPU seconds of the mount's process, and the FUSE requests per file that reached
// JavaScript (counted by the floor itself and by pdsfs's status; with the getattrs the binding
// answered in C). What the floor costs is what fuse-native, libfuse and Node's event loop cost by
// themselves; what pdsfs costs beyond it is its own. BENCH_FLOOR_TARGETS=local,rclone,floor,pdsfs
// limits the set (prefixes); BENCH_TREE_FILES and BENCH_TREE_BIG_MB change the tree.
import { fork } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FuseRequestCounts } from '../src/core/fuse-request-counts.js';
import { printTable, type Row, settle, writeResults } from './lib.js';
import { isMounted, localTarget, makeTree, MountChild, pdsfsTarget, rcloneTarget, sh, startedTargets, type Target, timed } from './tree.js';

const treeFiles = Number(process.env.BENCH_TREE_FILES ?? 2000);
const bigMiB = Number(process.env.BENCH_TREE_BIG_MB ?? 64);
/** Files in the tree (the small ones and the three big ones): the unit of "per file". */
const files = treeFiles + 3;

/** The floor filesystem in a child process of its own, as the mounts run. */
async function floorTarget(work: string): Promise<Target> {
  const mnt = path.join(work, 'floor-mnt');
  await fs.mkdir(mnt, { recursive: true });
  const child = fork(path.join(import.meta.dirname, 'floor-fs.ts'), [mnt], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const m = new MountChild(child);
  const ask = <T>(cmd: string, key: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (msg: Record<string, unknown>) => {
        if (!(key in msg)) return;
        child.off('message', onMessage);
        resolve(msg[key] as T);
      };
      child.on('message', onMessage);
      child.send({ cmd });
    });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', () => reject(new Error('the floor filesystem did not mount')));
  });
  return {
    name: 'floor (JS in memory)',
    dir: mnt,
    uploaded: async () => undefined,
    cold: async () => {
      await ask('remount', 'remounted');
      if (!(await isMounted(mnt))) throw new Error('the floor did not mount again');
    },
    peakRssMiB: () => m.peakRssMiB(),
    cpuSeconds: () => m.cpuSeconds(),
    serverCpuSeconds: async () => undefined,
    fuseRequests: () => ask<FuseRequestCounts>('counts', 'counts'),
    stop: () => m.stop(mnt),
  };
}

interface Phase {
  seconds: number;
  /** CPU seconds of the mount's process during the tool's run. */
  cpu?: number;
  /** FUSE requests that reached JS during it, per file of the tree, in all and by op. */
  jsPerFile?: number;
  jsByOp?: Record<string, number>;
  /** getattrs the binding answered in C (attributes, and ENOENT from a folder made through the mount), per file. */
  inBindingPerFile?: number;
}

const PHASES = ['rsync -a', 'ls -lR cold', 'ls -lR warm', 'cp -r'] as const;
type PhaseName = (typeof PHASES)[number];

async function phase(t: Target, cmd: string): Promise<Phase> {
  settle();
  const cpu0 = await t.cpuSeconds();
  const req0 = await t.fuseRequests?.();
  const s = await timed(() => sh(cmd));
  const cpu1 = await t.cpuSeconds();
  const req1 = await t.fuseRequests?.();
  const out: Phase = { seconds: s };
  if (cpu0 !== undefined && cpu1 !== undefined) out.cpu = cpu1 - cpu0;
  if (req0 && req1) Object.assign(out, requestsBetween(req0, req1));
  return out;
}

function requestsBetween(a: FuseRequestCounts, b: FuseRequestCounts): Pick<Phase, 'jsPerFile' | 'jsByOp' | 'inBindingPerFile'> {
  const jsByOp: Record<string, number> = {};
  let js = 0;
  for (const [op, n] of Object.entries(b.byJs)) {
    const d = n - (a.byJs[op] ?? 0);
    if (d > 0) jsByOp[op] = d / files;
    js += Math.max(d, 0);
  }
  const inBinding = b.getattrInBinding - a.getattrInBinding + b.enoentInBinding - a.enoentInBinding;
  return { jsPerFile: js / files, jsByOp, inBindingPerFile: inBinding / files };
}

async function measure(t: Target, tree: string): Promise<Record<PhaseName, Phase>> {
  const rsync = await phase(t, `rsync -a '${tree}/' '${t.dir}/tree/'`);
  await t.cold();
  const lsCold = await phase(t, `ls -lR '${t.dir}/tree' > /dev/null`);
  const lsWarm = await phase(t, `ls -lR '${t.dir}/tree' > /dev/null`);
  const cp = await phase(t, `cp -r '${tree}' '${t.dir}/copy'`);
  return { 'rsync -a': rsync, 'ls -lR cold': lsCold, 'ls -lR warm': lsWarm, 'cp -r': cp };
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-floor-'));
  const tree = path.join(work, 'tree');
  const only = process.env.BENCH_FLOOR_TARGETS?.split(',');
  const results: Record<string, Record<PhaseName, Phase> | string> = {};
  const makers: [string, () => Promise<Target | string>][] = [
    ['local disk', async () => localTarget(work)],
    ['rclone mount', () => rcloneTarget(work, tree)],
    ['floor', () => floorTarget(work)],
    ['pdsfs --write-back 60', () => pdsfsTarget(work, ['--write-back', '60'], 'pdsfs-wb60')],
    ['pdsfs', () => pdsfsTarget(work)],
  ];
  let current: Target | undefined;
  try {
    await makeTree(tree);
    for await (const [, t] of startedTargets(makers, only, results)) {
      current = t;
      results[t.name] = await measure(t, tree);
      await t.stop();
      current = undefined;
      console.log(t.name, JSON.stringify(results[t.name]));
    }
  } finally {
    await current?.stop().catch(() => undefined);
    await fs.rm(work, { recursive: true, force: true });
  }
  const local = results['local disk'] as Record<PhaseName, Phase> | undefined;
  const floor = results['floor (JS in memory)'] as Record<PhaseName, Phase> | undefined;
  const rows: Row[] = [];
  for (const p of PHASES) {
    for (const [name, r] of Object.entries(results)) {
      if (typeof r === 'string') continue;
      const f = r[p];
      const vsFloor = floor && name !== 'floor (JS in memory)' && name !== 'local disk' ? ` ${(f.seconds / floor[p].seconds).toFixed(2)}× floor` : '';
      rows.push({ metric: `${p}: ${name}`, value: f.seconds, unit: 's', ...(local ? { reference: local[p].seconds, ratio: f.seconds / local[p].seconds } : {}), target: [f.cpu !== undefined ? `CPU ${f.cpu.toFixed(2)} s` : '', f.jsPerFile !== undefined ? `JS ${f.jsPerFile.toFixed(1)}/file, C ${f.inBindingPerFile!.toFixed(1)}/file` : '', vsFloor].filter(Boolean).join('; ') });
    }
  }
  printTable(`Floor of a JS FUSE filesystem: tree of ${treeFiles} small files + 3 × ${bigMiB} MiB; ratio = seconds / local disk's; target column: the mount process's CPU seconds and FUSE requests per file during the tool`, rows);
  console.log('results:', await writeResults('fuse-floor', { treeFiles, bigMiB, loadavg: os.loadavg(), results, rows }));
}

await main();
