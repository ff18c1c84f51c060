// VFS core benchmark: sequential and random reads, listing, writing, against raw HTTP to the same
// local PDS server measured in the same run. The raw references and the setup run here; pdsfs runs
// in a child process (bench/vfs-pdsfs.ts), so the peak RSS reported is pdsfs's own.
// BENCH_SIZE_MB (default 1024) sets the big file's size, BENCH_LIST_ENTRIES (10000) the folder's.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { api, type BenchEmulator, chunkFactory, runVfsPhase, minimalCacheLoop, printTable, rawDownload, rawUpload, type Row, settle, startBenchEmulator, takeServerStats, writeResults } from './lib.js';
import type { Timed, VfsBenchResult } from './vfs-pdsfs.js';

const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const listEntries = Number(process.env.BENCH_LIST_ENTRIES ?? 10000);
const MiB = 1024 * 1024;
/** Raw GETs taken; the median is the reference (one GET on a shared machine varies by ±30%). */
const RAW_GETS = 3;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
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

    // The read references, taken right before the reads: a shared machine drifts over minutes.
    const gets: number[] = [];
    const saves: number[] = [];
    const loops: number[] = [];
    const saveDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-save-'));
    for (let i = 0; i < RAW_GETS; i++) {
      settle();
      gets.push((await rawDownload(emu, rawUp.fileId)).seconds);
      // What keeping the bytes costs on this machine: the same GET saved to a file, and the least a cache must do.
      settle();
      saves.push((await rawDownload(emu, rawUp.fileId, path.join(saveDir, 'raw.bin'))).seconds);
      settle();
      loops.push((await minimalCacheLoop(emu, rawUp.fileId, saveDir)).seconds);
    }
    await fs.rm(saveDir, { recursive: true, force: true });
    const rawGet = median(gets);
    const rawSave = median(saves);
    const minimalLoop = median(loops);

    // The server counts the GETs the cold read ran at once (the warm and random reads that follow make none).
    await takeServerStats(emu);
    const parts = [write, await runVfsPhase({ ...base, phase: 'read' })];
    const getsAtOnce = (await takeServerStats(emu)).inFlightPeak['GET data'] ?? 0;
    parts.push(await runVfsPhase({ ...base, phase: 'list' }));
    const memoryOnly = await runVfsPhase({ ...base, phase: 'read-memory-only' });
    const r = { ...Object.assign({}, ...parts, memoryOnly), peakRssMiB: Math.max(...parts.map((p) => p.peakRssMiB!)) } as VfsBenchResult;
    if (r.listEntries !== listEntries) throw new Error(`listing has ${r.listEntries} entries, not ${listEntries}`);
    const rawGetRate = sizeMiB / rawGet;
    const read = (metric: string, t: Timed, target?: string): Row => ({ metric, value: t.bytes / MiB / t.seconds, unit: 'MiB/s', reference: rawGetRate, ratio: rawGet / t.seconds, target });
    rows.push({ metric: `write ${sizeMiB} MiB`, value: sizeMiB / r.writeSeconds, unit: 'MiB/s', reference: sizeMiB / rawUp.seconds, ratio: rawUp.seconds / r.writeSeconds });
    rows.push({ metric: 'identical re-upload: part bytes sent', value: r.rewritePartBytes, unit: 'bytes', target: '0' });
    rows.push({ metric: 'identical re-upload time', value: r.rewriteSeconds, unit: 's' });
    rows.push({ metric: 'raw GET saved to a file (curl -o)', value: sizeMiB / rawSave, unit: 'MiB/s', reference: rawGetRate, ratio: rawGet / rawSave });
    rows.push({ metric: 'minimal cache loop (blocks, disk, reader copy)', value: sizeMiB / minimalLoop, unit: 'MiB/s', reference: rawGetRate, ratio: rawGet / minimalLoop });
    rows.push(read('sequential read cold', r.cold, '>= 0.9'));
    rows.push(read('sequential read warm', r.warm, '>= 3'));
    rows.push({ metric: 'GETs at once in the cold read (counted by the server)', value: getsAtOnce, unit: 'GETs' });
    rows.push(read('sequential read cold, disk tier off', r.coldNoDisk));
    rows.push({ metric: 'CPU per GiB, cold read', value: (r.cold.cpu * 1024 * MiB) / r.cold.bytes, unit: 's' });
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
