// The pdsfs half of the VFS benchmark: bench/vfs.ts runs each phase in its own process, one app as
// one daemon would (bin/pdsfs's node flags, the daemon's V8 settings), so that the peak RSS is
// pdsfs's alone (the raw references and the listing setup run in the parent). Reads its task from
// BENCH_TASK (JSON), prints one JSON line of measurements.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type App, createApp } from '../src/app.js';
import { startOptimizing } from '../src/cli/compilers.js';
import { collectAsDaemon } from '../src/cli/heap-growth.js';
import { OPTIONS, parseSize } from '../src/config/options.js';
import type { Vfs } from '../src/vfs/types.js';
import { defaultAppOptions } from '../test/helpers/app-options.js';
import { chunkFactory, measure, peakRssMiB, settle } from './lib.js';

export type VfsBenchPhase = 'write' | 'read' | 'read-memory-only' | 'list' | 'cold-read' | 'upload' | 'walk' | 'walk-serial';

export interface VfsBenchTask {
  phase: VfsBenchPhase;
  endpoint: string;
  token: string;
  driveId: string;
  sizeMiB: number;
  /** Path of the file uploaded raw by the parent, to read. */
  readPath: string;
  /** Path of a folder of many entries, to list. */
  listPath: string;
  /** Path of a tree of folders to walk (walk phases). */
  walkPath?: string;
}

export interface Timed {
  seconds: number;
  bytes: number;
  /** CPU seconds (user + system) this process spent. */
  cpu: number;
  /** Its user and system parts, and the minor page faults meanwhile. */
  user: number;
  system: number;
  faults: number;
  /** Garbage collections meanwhile: young generation, and full (mark-compact). */
  scavenges: number;
  markCompacts: number;
}

export interface VfsBenchResult {
  writeSeconds: number;
  rewriteSeconds: number;
  rewritePartBytes: number;
  cold: Timed;
  warm: Timed;
  /** Cold read with the disk tier off (--cache-max-size 0): the read path without the cache-file writes. */
  coldNoDisk: Timed;
  randomReadsPerSecond: number;
  listCold: number;
  listWarm: number;
  listEntries: number;
  /** Write until uploaded (write, release, drain), one pass. */
  uploadSeconds: number;
  /** Cold walk: folders and entries seen, seconds. */
  walk: Walk;
  /** The same walk again, from the cache: what the walk costs without a round trip. */
  walkWarm: Walk;
  /** Peak RSS of the process that ran the phase. */
  peakRssMiB: number;
}

export interface Walk {
  folders: number;
  entries: number;
  seconds: number;
  /** CPU seconds (user + system) of the process during the walk: on a shared machine steadier than the time. */
  cpu: number;
}

const MiB = 1024 * 1024;
const task = JSON.parse(process.env.BENCH_TASK ?? '') as VfsBenchTask;

async function timed(work: () => Promise<number>): Promise<Timed> {
  settle();
  const measured = measure();
  return measured(await work());
}

function readAll(vfs: Vfs, p: string): Promise<Timed> {
  return timed(async () => {
    const h = await vfs.open(p, { read: true, write: false });
    const buf = Buffer.alloc(MiB);
    let bytes = 0;
    for (;;) {
      const n = await h.read(buf, bytes, MiB);
      if (n === 0) break;
      bytes += n;
    }
    await h.release();
    return bytes;
  });
}

async function writeAll(vfs: Vfs & { drain(): Promise<void> }, p: string, chunk: (i: number) => Buffer): Promise<number> {
  const t0 = performance.now();
  const h = await vfs.open(p, { read: false, write: true, create: true, truncate: true });
  for (let i = 0; i < task.sizeMiB; i++) await h.write(chunk(i), i * MiB, MiB);
  await h.release();
  await vfs.drain();
  return (performance.now() - t0) / 1000;
}

/** Part bytes the server received so far (its admin stats). */
async function uploadedBytes(): Promise<number> {
  const r = await fetch(`${task.endpoint}/admin/stats`);
  if (!r.ok) return NaN;
  return ((await r.json()) as { bytesUploaded: number }).bytesUploaded;
}

/** Depth first, one folder after another, a stat of every entry: what ls -lR does. */
async function walk(vfs: Vfs, root: string): Promise<Walk> {
  let folders = 0;
  let entries = 0;
  const visit = async (p: string): Promise<void> => {
    folders++;
    for (const n of await vfs.readdir(p)) {
      entries++;
      await vfs.stat(`${p}/${n.name}`);
      if (n.kind === 'dir') await visit(`${p}/${n.name}`);
    }
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await visit(root);
  const c = process.cpuUsage(c0);
  return { folders, entries, seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/** What each phase measures, on one app (as one daemon would run), in its own process. */
const phases: Record<VfsBenchPhase, (vfs: App['vfs']) => Promise<Partial<VfsBenchResult>>> = {
  write: async (vfs) => {
    const writeSeconds = await writeAll(vfs, '/written.bin', chunkFactory(2));
    const before = await uploadedBytes();
    const rewriteSeconds = await writeAll(vfs, '/written-again.bin', chunkFactory(2));
    return { writeSeconds, rewriteSeconds, rewritePartBytes: (await uploadedBytes()) - before };
  },
  read: async (vfs) => {
    const cold = await readAll(vfs, task.readPath);
    const warm = await readAll(vfs, task.readPath);
    const h = await vfs.open(task.readPath, { read: true, write: false });
    const buf = Buffer.alloc(4096);
    const n = 5000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await h.read(buf, Math.floor(Math.random() * (task.sizeMiB * MiB - 4096)), 4096);
    const randomReadsPerSecond = n / ((performance.now() - t0) / 1000);
    await h.release();
    return { cold, warm, randomReadsPerSecond };
  },
  'read-memory-only': async (vfs) => ({ coldNoDisk: await readAll(vfs, task.readPath) }),
  'cold-read': async (vfs) => ({ cold: await readAll(vfs, task.readPath) }),
  upload: async (vfs) => ({ uploadSeconds: await writeAll(vfs, '/uploaded.bin', chunkFactory(3)) }),
  walk: async (vfs) => ({ walk: await walk(vfs, task.walkPath!), walkWarm: await walk(vfs, task.walkPath!) }),
  'walk-serial': async (vfs) => ({ walk: await walk(vfs, task.walkPath!) }),
  list: async (vfs) => {
    const l0 = performance.now();
    const cold = await vfs.readdir(task.listPath);
    const l1 = performance.now();
    const warm = await vfs.readdir(task.listPath);
    const l2 = performance.now();
    if (warm.length !== cold.length) throw new Error('listings differ');
    return { listCold: (l1 - l0) / 1000, listWarm: (l2 - l1) / 1000, listEntries: cold.length };
  },
};

async function main(): Promise<Partial<VfsBenchResult>> {
  const cacheRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-cache-'));
  // The defaults a user gets, with a disk tier large enough for the file (or none, for that phase).
  // V8 set as in `pdsfs serve` and `pdsfs mount` (bench/lib.ts gives the process bin/pdsfs's node flags).
  let app: App | undefined;
  const stopCollecting = collectAsDaemon(() => app?.admin.status().blocks.fetchedBytes ?? 0);
  app = await createApp({
    ...defaultAppOptions(task.endpoint, task.token, cacheRoot),
    drive: task.driveId,
    cacheMem: parseSize(OPTIONS['cache-mem'].default),
    cacheMaxSize: task.phase === 'read-memory-only' ? 0 : 4 * 1024 * MiB,
    blockSize: parseSize(OPTIONS['block-size'].default),
    ...(task.phase === 'walk-serial' ? { listPrefetch: 0 } : {}),
  });
  // Started: from here on the code that runs is the code that runs often (runUntilStopped in src/cli/daemon.ts).
  startOptimizing();
  try {
    return { ...(await phases[task.phase](app.vfs)), peakRssMiB: peakRssMiB() };
  } finally {
    stopCollecting();
    await app.close();
    await fs.rm(cacheRoot, { recursive: true, force: true });
  }
}

console.log(JSON.stringify(await main()));
