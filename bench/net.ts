// Over a real network (BENCH_NET=wan): the local PDS server shapes every connection like a distant
// service (--net-profile wan: 40 ms per request, 16 MiB/s per TCP connection), and each pdsfs figure
// is set beside a raw single-stream client doing the same work in the same run: curl GETting the
// download URL, part PUTs one after another, one list call. Setup runs unshaped (through
// /admin/faults), the measurements shaped. pdsfs runs in child processes (bench/vfs-pdsfs.ts), so the
// peak RSS is its own. BENCH_SIZE_MB (1024) sets the file size, BENCH_WALK (100) the tree: that many
// folders of that many files.
import { execFileSync } from 'node:child_process';
import { api, type BenchEmulator, chunkFactory, runVfsPhase, printTable, rawUpload, type Row, startBenchEmulator, writeResults } from './lib.js';
import type { VfsBenchResult, VfsBenchTask } from './vfs-pdsfs.js';

const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const walkSize = Number(process.env.BENCH_WALK ?? 100);
const MiB = 1024 * 1024;

async function shape(emu: BenchEmulator, profile: 'wan' | 'none'): Promise<{ latencyMs: number; netRatePerConnection: number }> {
  const r = await fetch(`${emu.endpoint}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ netProfile: profile }) });
  if (!r.ok) throw new Error(`admin/faults: ${r.status}`);
  return (await r.json()) as { latencyMs: number; netRatePerConnection: number };
}

/** walkSize folders of walkSize small files each, made by rapid upload of one small blob. */
async function makeTree(emu: BenchEmulator): Promise<void> {
  const top = await api<{ file_id: string }>(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: 'root', name: 'tree', type: 'folder', check_name_mode: 'refuse' });
  const seed = await rawUpload(emu, 'seed.bin', 1, chunkFactory(9));
  const { content_hash } = await api<{ content_hash: string }>(emu, '/v2/file/get', { drive_id: emu.driveId, file_id: seed.fileId });
  for (let d = 0; d < walkSize; d++) {
    const dir = await api<{ file_id: string }>(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: top.file_id, name: `d${d}`, type: 'folder', check_name_mode: 'refuse' });
    await Promise.all(Array.from({ length: walkSize }, (_, f) => api(emu, '/v2/file/create', {
      drive_id: emu.driveId, parent_file_id: dir.file_id, name: `f${f}.bin`, type: 'file', size: MiB, content_hash, content_hash_name: 'sha1', check_name_mode: 'refuse',
    })));
  }
}

/** curl, one stream, the whole file from its download URL (URL call included). */
async function curlGet(emu: BenchEmulator, fileId: string): Promise<number> {
  const t0 = performance.now();
  const { url } = await api<{ url: string }>(emu, '/v2/file/get_download_url', { drive_id: emu.driveId, file_id: fileId });
  execFileSync('curl', ['-sf', '-o', '/dev/null', url]);
  return (performance.now() - t0) / 1000;
}

/** One list call's round trip under the profile: the unit of the walk target. */
async function listRoundTrip(emu: BenchEmulator): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await api(emu, '/v2/file/list', { drive_id: emu.driveId, parent_file_id: 'root', limit: 100 });
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[2]! / 1000;
}

async function main(): Promise<void> {
  const emu = await startBenchEmulator();
  const rows: Row[] = [];
  let profile;
  try {
    const raw = await rawUpload(emu, 'raw.bin', sizeMiB, chunkFactory(1));
    await makeTree(emu);
    profile = await shape(emu, 'wan');
    const base = { endpoint: emu.endpoint, token: emu.token, driveId: emu.driveId, sizeMiB, readPath: '/raw.bin', listPath: '/tree', walkPath: '/tree' };

    const rawGet = await curlGet(emu, raw.fileId);
    const cold = await runVfsPhase({ ...base, phase: 'cold-read' });
    const rawPut = (await rawUpload(emu, 'raw-up.bin', sizeMiB, chunkFactory(4))).seconds;
    const upload = await runVfsPhase({ ...base, phase: 'upload' });
    const rtt = await listRoundTrip(emu);
    const walk = await runVfsPhase({ ...base, phase: 'walk' });
    const walkSerial = await runVfsPhase({ ...base, phase: 'walk-serial' });

    const rate = (seconds: number) => sizeMiB / seconds;
    rows.push({ metric: `cold read ${sizeMiB} MiB (VFS) vs curl GET, one stream`, value: rate(cold.cold!.seconds), unit: 'MiB/s', reference: rate(rawGet), ratio: rawGet / cold.cold!.seconds, target: '>= 3' });
    rows.push({ metric: `upload ${sizeMiB} MiB until uploaded (VFS) vs part PUTs one at a time`, value: rate(upload.uploadSeconds!), unit: 'MiB/s', reference: rate(rawPut), ratio: rawPut / upload.uploadSeconds!, target: '>= 3' });
    const w = walk.walk!;
    const ws = walkSerial.walk!;
    rows.push({ metric: `cold walk (readdir + stat) of ${w.folders - 1} folders, ${w.entries} entries`, value: w.seconds, unit: 's', reference: rtt, ratio: w.seconds / rtt, target: '<= 25 round trips' });
    rows.push({ metric: 'same walk, --list-prefetch 0', value: ws.seconds, unit: 's', reference: rtt, ratio: ws.seconds / rtt });
    // 300 MB (the target) is 286 MiB.
    rows.push({ metric: 'peak RSS of pdsfs, cold read / upload / walk', value: Math.max(cold.peakRssMiB!, upload.peakRssMiB!, walk.peakRssMiB!), unit: 'MiB', target: '< 286' });
    console.log(`peak RSS: cold read ${cold.peakRssMiB!.toFixed(0)} MiB, upload ${upload.peakRssMiB!.toFixed(0)} MiB, walk ${walk.peakRssMiB!.toFixed(0)} MiB; list round trip ${(rtt * 1000).toFixed(0)} ms`);
  } finally {
    await emu.close();
  }
  printTable(`Over a WAN-like network (${profile?.latencyMs} ms per request, ${(profile?.netRatePerConnection ?? 0) / MiB} MiB/s per connection), ${sizeMiB} MiB file`, rows);
  console.log('results:', await writeResults('net-wan', { sizeMiB, walkSize, profile, rows }));
}

await main();
