// VFS core benchmark: sequential and random reads, listing, writing, against raw HTTP to the same
// local PDS server measured in the same run. The raw GETs and the setup run here; pdsfs runs in a
// child process (bench/vfs-pdsfs.ts), so the peak RSS reported is pdsfs's own, and so does the
// minimal cache loop (bench/minimal-loop.ts), so the cold read is compared under the same conditions.
// BENCH_SIZE_MB (default 1024) sets the big file's size, BENCH_LIST_ENTRIES (10000) the folder's.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { api, type BenchEmulator, chunkFactory, median, printTable, processCpuSeconds, rawDownload, rawUpload, type Row, runMinimalLoop, runVfsPhase, settle, startBenchEmulator, takeServerStats, writeResults } from './lib.js';
import type { Timed, VfsBenchResult } from './vfs-pdsfs.js';

const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const listEntries = Number(process.env.BENCH_LIST_ENTRIES ?? 10000);
const MiB = 1024 * 1024;
/** Rounds of the cold read and its references (one GET on a shared machine varies by ±30%). */
const ROUNDS = 3;

/** A timed run and the CPU seconds the local server spent meanwhile. */
interface Measured extends Timed {
  serverCpu: number;
}

async function withServerCpu(emu: BenchEmulator, run: () => Promise<Timed>): Promise<Measured> {
  const before = await processCpuSeconds(emu.pid);
  const t = await run();
  return { ...t, serverCpu: (await processCpuSeconds(emu.pid)) - before };
}

async function makeListing(emu: BenchEmulator): Promise<void> {
  const dir = await api<{ file_id: string }>(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: 'root', name: 'many', type: 'folder', check_name_mode: 'refuse' });
  for (let i = 0; i < listEntries; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, listEntries - i) }, (_, k) => api(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: dir.file_id, name: `entry-${i + k}`, type: 'folder', check_name_mode: 'ignore' })));
  }
}

async function main(): Promise<void> {
  const emu = await startBenchEmulator();
  const rows: Row[] = [];
  try {
    const rawUp = await rawUpload(emu, 'raw.bin', sizeMiB, chunkFactory(1));
    await makeListing(emu);
    const base = { endpoint: emu.endpoint, token: emu.token, driveId: emu.driveId, sizeMiB, readPath: '/raw.bin', listPath: '/many' };
    const write = await runVfsPhase({ ...base, phase: 'write' });

    // The cold read against its references, in rounds that interleave them on the same server and
    // file (a shared machine drifts over minutes); each figure is the median of its rounds, the ratio
    // the median of each round's own. The loop and the cold read each run in a fresh process, and
    // each is given the CPU seconds it and the server spent.
    const gets: number[] = [];
    const saves: number[] = [];
    const loops: Measured[] = [];
    const colds: Measured[] = [];
    const coldRatios: number[] = [];
    const connections: number[] = [];
    let getsPerColdRead = 0;
    const saveDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-save-'));
    for (let i = 0; i < ROUNDS; i++) {
      settle();
      gets.push((await rawDownload(emu, rawUp.fileId)).seconds);
      // What keeping the bytes costs on this machine: the same GET saved to a file, and the least a cache must do.
      settle();
      saves.push((await rawDownload(emu, rawUp.fileId, path.join(saveDir, 'raw.bin'))).seconds);
      settle();
      const loop = await withServerCpu(emu, () => runMinimalLoop(emu, rawUp.fileId));
      await takeServerStats(emu);
      const cold = await withServerCpu(emu, async () => (await runVfsPhase({ ...base, phase: 'cold-read' })).cold!);
      const stats = await takeServerStats(emu);
      getsPerColdRead = stats.requests['GET data'] ?? 0;
      connections.push(stats.connections);
      loops.push(loop);
      colds.push(cold);
      coldRatios.push(loop.seconds / cold.seconds);
    }
    await fs.rm(saveDir, { recursive: true, force: true });
    const rawGet = median(gets);
    const rawSave = median(saves);
    const minimalLoop = median(loops.map((l) => l.seconds));
    const cold = median(colds.map((c) => c.seconds));

    const parts = [write, await runVfsPhase({ ...base, phase: 'read' })];
    parts.push(await runVfsPhase({ ...base, phase: 'list' }));
    const memoryOnly = await runVfsPhase({ ...base, phase: 'read-memory-only' });
    const r = { ...Object.assign({}, ...parts, memoryOnly), peakRssMiB: Math.max(...parts.map((p) => p.peakRssMiB!)) } as VfsBenchResult;
    if (r.listEntries !== listEntries) throw new Error(`listing has ${r.listEntries} entries, not ${listEntries}`);
    const rawGetRate = sizeMiB / rawGet;
    const read = (metric: string, t: Timed, target?: string): Row => ({ metric, value: t.bytes / MiB / t.seconds, unit: 'MiB/s', reference: rawGetRate, ratio: rawGet / t.seconds, target });
    const perGiB = (metric: string, runs: Measured[], of: 'cpu' | 'user' | 'faults' | 'markCompacts' | 'serverCpu'): Row => ({ metric, value: median(runs.map((m) => (m[of] * 1024 * MiB) / m.bytes)), unit: 's' });
    rows.push({ metric: `write ${sizeMiB} MiB`, value: sizeMiB / r.writeSeconds, unit: 'MiB/s', reference: sizeMiB / rawUp.seconds, ratio: rawUp.seconds / r.writeSeconds });
    rows.push({ metric: 'identical re-upload: part bytes sent', value: r.rewritePartBytes, unit: 'bytes', target: '0' });
    rows.push({ metric: 'identical re-upload time', value: r.rewriteSeconds, unit: 's' });
    rows.push({ metric: 'raw GET saved to a file (curl -o)', value: sizeMiB / rawSave, unit: 'MiB/s', reference: rawGetRate, ratio: rawGet / rawSave });
    rows.push({ metric: 'minimal cache loop (blocks, disk, reader copy)', value: sizeMiB / minimalLoop, unit: 'MiB/s', reference: rawGetRate, ratio: rawGet / minimalLoop });
    rows.push({ metric: `sequential read cold, against the minimal cache loop (median of ${ROUNDS} rounds)`, value: sizeMiB / cold, unit: 'MiB/s', reference: sizeMiB / minimalLoop, ratio: median(coldRatios), target: '>= 0.9' });
    rows.push({ metric: 'sequential read cold, against the raw GET', value: sizeMiB / cold, unit: 'MiB/s', reference: rawGetRate, ratio: rawGet / cold });
    rows.push(perGiB('CPU per GiB, minimal cache loop', loops, 'cpu'));
    rows.push(perGiB('CPU per GiB, cold read (pdsfs)', colds, 'cpu'));
    rows.push(perGiB('user CPU per GiB, minimal cache loop', loops, 'user'));
    rows.push(perGiB('user CPU per GiB, cold read (pdsfs)', colds, 'user'));
    rows.push({ ...perGiB('page faults per GiB, minimal cache loop', loops, 'faults'), unit: 'faults' });
    rows.push({ ...perGiB('page faults per GiB, cold read (pdsfs)', colds, 'faults'), unit: 'faults' });
    rows.push({ ...perGiB('full collections per GiB, minimal cache loop', loops, 'markCompacts'), unit: 'mark-compacts' });
    rows.push({ ...perGiB('full collections per GiB, cold read (pdsfs)', colds, 'markCompacts'), unit: 'mark-compacts' });
    rows.push(perGiB('server CPU per GiB, minimal cache loop (one GET)', loops, 'serverCpu'));
    rows.push(perGiB('server CPU per GiB, cold read', colds, 'serverCpu'));
    rows.push({ metric: `GETs of a cold read, and connections it opened (median of ${ROUNDS})`, value: getsPerColdRead, unit: 'GETs', reference: median(connections) });
    rows.push(read('sequential read warm', r.warm, '>= 3'));
    rows.push(read('sequential read cold, disk tier off', r.coldNoDisk));
    rows.push({ metric: 'CPU per GiB, cold read, disk tier off', value: (r.coldNoDisk.cpu * 1024 * MiB) / r.coldNoDisk.bytes, unit: 's' });
    rows.push({ metric: 'random 4 KiB reads (warm)', value: r.randomReadsPerSecond, unit: 'reads/s' });
    rows.push({ metric: `readdir ${listEntries} entries cold`, value: r.listCold, unit: 's' });
    rows.push({ metric: `readdir ${listEntries} entries warm`, value: r.listWarm, unit: 's' });
    // 300 MB (the target) is 286 MiB.
    rows.push({ metric: 'peak RSS of pdsfs, default settings', value: r.peakRssMiB, unit: 'MiB', target: '< 286' });
    rows.push({ metric: 'peak RSS of pdsfs, disk tier off (cold read)', value: memoryOnly.peakRssMiB!, unit: 'MiB' });
  } finally {
    await emu.close();
  }
  printTable(`VFS core, ${sizeMiB} MiB file`, rows);
  console.log('results:', await writeResults('vfs', { sizeMiB, listEntries, rows }));
}

await main();
