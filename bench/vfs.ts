// VFS core benchmark: sequential and random reads, listing, writing, against raw HTTP to the same
// local PDS server measured in the same run. BENCH_SIZE_MB (default 1024) sets the big file's size.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { OPTIONS, parseSize } from '../src/config/options.js';
import type { Vfs } from '../src/vfs/types.js';
import { defaultAppOptions } from '../test/helpers/app.js';
import { api, chunkFactory, peakRssMiB, printTable, rawDownload, rawUpload, type Row, startBenchEmulator, writeResults } from './lib.js';

const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const listEntries = Number(process.env.BENCH_LIST_ENTRIES ?? 10000);
const MiB = 1024 * 1024;

async function readAll(vfs: Vfs, p: string): Promise<{ seconds: number; bytes: number }> {
  const t0 = performance.now();
  const h = await vfs.open(p, { read: true, write: false });
  const buf = Buffer.alloc(MiB);
  let bytes = 0;
  for (;;) {
    const n = await h.read(buf, bytes, MiB);
    if (n === 0) break;
    bytes += n;
  }
  await h.release();
  return { seconds: (performance.now() - t0) / 1000, bytes };
}

async function writeAll(vfs: Vfs & { drain(): Promise<void> }, p: string, chunk: (i: number) => Buffer): Promise<number> {
  const t0 = performance.now();
  const h = await vfs.open(p, { read: false, write: true, create: true, truncate: true });
  for (let i = 0; i < sizeMiB; i++) await h.write(chunk(i), i * MiB, MiB);
  await h.release();
  await vfs.drain();
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const emu = await startBenchEmulator();
  const cacheRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-cache-'));
  const rows: Row[] = [];
  try {
    const opts = (dir: string) => ({ ...defaultAppOptions(emu.endpoint, emu.token, path.join(cacheRoot, dir)), cacheMem: parseSize(OPTIONS['cache-mem'].default), cacheMaxSize: 4 * 1024 * MiB, blockSize: parseSize(OPTIONS['block-size'].default), drive: emu.driveId });

    // Write: pdsfs (staging + sha1 + multipart upload) versus raw part PUTs.
    const rawUp = await rawUpload(emu, 'raw.bin', sizeMiB, chunkFactory(1));
    const app = await createApp(opts('w'));
    const writeSec = await writeAll(app.vfs, '/written.bin', chunkFactory(2));
    const upBefore = await uploadedBytes(emu);
    const rewriteSec = await writeAll(app.vfs, '/written-again.bin', chunkFactory(2));
    const rewriteBytes = (await uploadedBytes(emu)) - upBefore;
    await app.close();
    rows.push({ metric: `write ${sizeMiB} MiB`, value: sizeMiB / writeSec, unit: 'MiB/s', reference: sizeMiB / rawUp.seconds, ratio: rawUp.seconds / writeSec });
    rows.push({ metric: 'identical re-upload: part bytes sent', value: rewriteBytes ?? NaN, unit: 'bytes', target: '0' });
    rows.push({ metric: 'identical re-upload time', value: rewriteSec, unit: 's' });

    // Sequential read: cold (empty cache) and warm, versus one raw GET of the same file.
    const rawDown = await rawDownload(emu, rawUp.fileId);
    const reader = await createApp(opts('r'));
    const cold = await readAll(reader.vfs, '/raw.bin');
    const warm = await readAll(reader.vfs, '/raw.bin');
    rows.push({ metric: 'sequential read cold', value: cold.bytes / MiB / cold.seconds, unit: 'MiB/s', reference: rawDown.bytes / MiB / rawDown.seconds, ratio: rawDown.seconds / cold.seconds, target: '>= 0.9' });
    rows.push({ metric: 'sequential read warm', value: warm.bytes / MiB / warm.seconds, unit: 'MiB/s', reference: rawDown.bytes / MiB / rawDown.seconds, ratio: rawDown.seconds / warm.seconds, target: '>= 3' });

    // Random 4 KiB reads over the (warm) file.
    const h = await reader.vfs.open('/raw.bin', { read: true, write: false });
    const buf = Buffer.alloc(4096);
    const n = 5000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await h.read(buf, Math.floor(Math.random() * (sizeMiB * MiB - 4096)), 4096);
    const randSec = (performance.now() - t0) / 1000;
    await h.release();
    rows.push({ metric: 'random 4 KiB reads (warm)', value: n / randSec, unit: 'reads/s' });
    await reader.close();

    // Listing a folder of many entries, cold and warm.
    const dir = await api<{ file_id: string }>(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: 'root', name: 'many', type: 'folder', check_name_mode: 'refuse' });
    for (let i = 0; i < listEntries; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, listEntries - i) }, (_, k) => api(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: dir.file_id, name: `entry-${i + k}`, type: 'folder', check_name_mode: 'ignore' })));
    }
    const lister = await createApp(opts('l'));
    const l0 = performance.now();
    const coldList = await lister.vfs.readdir('/many');
    const l1 = performance.now();
    const warmList = await lister.vfs.readdir('/many');
    const l2 = performance.now();
    await lister.close();
    if (coldList.length !== listEntries || warmList.length !== listEntries) throw new Error('listing is incomplete');
    rows.push({ metric: `readdir ${listEntries} entries cold`, value: (l1 - l0) / 1000, unit: 's' });
    rows.push({ metric: `readdir ${listEntries} entries warm`, value: (l2 - l1) / 1000, unit: 's' });
    rows.push({ metric: 'peak RSS (pdsfs process)', value: peakRssMiB(), unit: 'MiB', target: '< 300' });
  } finally {
    await emu.close();
    await fs.rm(cacheRoot, { recursive: true, force: true });
  }
  printTable(`VFS core, ${sizeMiB} MiB file`, rows);
  console.log('results:', await writeResults('vfs', { sizeMiB, listEntries, rows }));
}

/** Part bytes the server received so far (its stats, via the admin API when enabled). */
async function uploadedBytes(emu: { endpoint: string }): Promise<number> {
  const r = await fetch(`${emu.endpoint}/admin/stats`);
  if (!r.ok) return NaN;
  return ((await r.json()) as { bytesUploaded: number }).bytesUploaded;
}

await main();
