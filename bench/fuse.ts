// FUSE front-end benchmark, through a real mount run as a child process (`pdsfs mount`): sequential
// write and read (cold and warm) as ratios to raw PUT/GET on the same local PDS server, `ls -lR` over
// many entries cold and warm, and rsync of a tree of small files. BENCH_SIZE_MB (default 1024) sets
// the big file's size, BENCH_LIST_ENTRIES (10000) and BENCH_TREE_FILES (2000) the counts.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually, getXattr, type MountProcess, startMount, stopAll } from '../test/fuse/harness.js';
import { peakRssOf, readThrough, writeThrough } from './front-ends.js';
import { api, type BenchEmulator, chunkFactory, printTable, rawDownload, rawUpload, type Row, startBenchEmulator, writeResults } from './lib.js';

const run = promisify(execFile);
const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const listEntries = Number(process.env.BENCH_LIST_ENTRIES ?? 10000);
const treeFiles = Number(process.env.BENCH_TREE_FILES ?? 2000);
const MiB = 1024 * 1024;
const LIST_DIRS = 10;

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Empty files straight through the API, LIST_DIRS folders of listEntries / LIST_DIRS each. */
async function makeListing(emu: BenchEmulator): Promise<void> {
  const top = await api<{ file_id: string }>(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: 'root', name: 'many', type: 'folder', check_name_mode: 'refuse' });
  for (let d = 0; d < LIST_DIRS; d++) {
    const dir = await api<{ file_id: string }>(emu, '/v2/file/create', { drive_id: emu.driveId, parent_file_id: top.file_id, name: `dir-${d}`, type: 'folder', check_name_mode: 'refuse' });
    const perDir = Math.ceil(listEntries / LIST_DIRS);
    for (let i = 0; i < perDir; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, perDir - i) }, (_, k) => emptyFile(emu, dir.file_id, `entry-${i + k}.txt`)));
    }
  }
}

async function emptyFile(emu: BenchEmulator, parent: string, name: string): Promise<void> {
  const c = await api<{ file_id: string; upload_id: string; part_info_list?: { upload_url: string }[] }>(emu, '/v2/file/create', {
    drive_id: emu.driveId, parent_file_id: parent, name, type: 'file', size: 0, check_name_mode: 'refuse', part_info_list: [{ part_number: 1 }],
  });
  const url = c.part_info_list?.[0]?.upload_url;
  if (url) await fetch(url, { method: 'PUT', body: Buffer.alloc(0) });
  await api(emu, '/v2/file/complete', { drive_id: emu.driveId, file_id: c.file_id, upload_id: c.upload_id });
}

async function makeTree(root: string): Promise<void> {
  const chunk = chunkFactory(7)(0);
  for (let i = 0; i < treeFiles; i++) {
    const dir = path.join(root, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, `f${i}.dat`), chunk.subarray(i % 64, (i % 64) + 1024 + ((i * 977) % 8192)));
  }
}

/** Files under dir whose upload has not landed yet (user.pds.pending = 1). */
async function pendingUnder(dir: string): Promise<number> {
  const script = 'import os,sys\nn=0\nfor r,_,fs in os.walk(sys.argv[1]):\n  for f in fs:\n    n+=os.getxattr(os.path.join(r,f),"user.pds.pending")==b"1"\nprint(n)';
  const { stdout } = await run('python3', ['-c', script, dir]);
  return Number(stdout.trim());
}

async function main(): Promise<void> {
  const emu = await startBenchEmulator();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-fuse-'));
  const mnt = path.join(work, 'mnt');
  let caches = 0;
  const mount = (args: string[] = []) =>
    startMount({ endpoint: emu.endpoint, accessToken: emu.token, cacheDir: path.join(work, `cache-${caches}`) }, mnt, ['--drive', emu.driveId, '--write-back', '2', '--block-size', '4M', '--cache-mem', '256M', '--cache-max-size', '4G', ...args]);
  const remount = async (m: MountProcess, fresh: boolean) => {
    await m.stop();
    if (fresh) caches++;
    return mount();
  };
  const rows: Row[] = [];
  try {
    const rawUp = await rawUpload(emu, 'raw.bin', sizeMiB, chunkFactory(1));
    const rawDown = await rawDownload(emu, rawUp.fileId);
    const rawUpRate = sizeMiB / rawUp.seconds;
    const rawDownRate = rawDown.bytes / MiB / rawDown.seconds;
    let m = await mount();

    // Write: time to close (staged locally) and until the upload has landed.
    const t0 = performance.now();
    const closeSec = await writeThrough(`${mnt}/written.bin`, sizeMiB, chunkFactory(2));
    await eventually(async () => (await getXattr(`${mnt}/written.bin`, 'user.pds.pending')) === '0', 'upload', 30 * 60_000);
    const uploadedSec = seconds(t0);
    rows.push({ metric: `write ${sizeMiB} MiB, until close`, value: sizeMiB / closeSec, unit: 'MiB/s', reference: rawUpRate, ratio: rawUp.seconds / closeSec });
    rows.push({ metric: `write ${sizeMiB} MiB, until uploaded`, value: sizeMiB / uploadedSec, unit: 'MiB/s', reference: rawUpRate, ratio: rawUp.seconds / uploadedSec });

    // Read: cold (fresh cache), warm (same mount: page and block caches), warm after a remount (disk blocks).
    m = await remount(m, true);
    const cold = await readThrough(`${mnt}/raw.bin`);
    const warm = await readThrough(`${mnt}/raw.bin`);
    rows.push({ metric: 'sequential read cold', value: sizeMiB / cold, unit: 'MiB/s', reference: rawDownRate, ratio: rawDown.seconds / cold });
    rows.push({ metric: 'sequential read warm', value: sizeMiB / warm, unit: 'MiB/s', reference: rawDownRate, ratio: rawDown.seconds / warm });
    m = await remount(m, false);
    const disk = await readThrough(`${mnt}/raw.bin`);
    rows.push({ metric: 'sequential read, disk cache after remount', value: sizeMiB / disk, unit: 'MiB/s', reference: rawDownRate, ratio: rawDown.seconds / disk });
    rows.push({ metric: 'peak RSS of the mount process', value: await peakRssOf(m.child.pid), unit: 'MiB' });

    // Append a line to the large file on a fresh cache: until close it costs one block, not a download
    // of the file (the reference); the upload after it still sends the whole file.
    m = await remount(m, true);
    const a0 = performance.now();
    await fs.appendFile(`${mnt}/raw.bin`, 'one more line\n');
    const appendSec = seconds(a0);
    await eventually(async () => (await getXattr(`${mnt}/raw.bin`, 'user.pds.pending')) === '0', 'upload', 30 * 60_000);
    rows.push({ metric: `append a line to the ${sizeMiB} MiB file, fresh cache, until close`, value: appendSec, unit: 's', reference: rawDown.seconds, ratio: rawDown.seconds / appendSec });
    rows.push({ metric: 'the same, until uploaded', value: seconds(a0), unit: 's' });

    // ls -lR over many entries: cold on a fresh cache, then warm.
    await makeListing(emu);
    m = await remount(m, true);
    const l0 = performance.now();
    const coldLs = await run('ls', ['-lR', `${mnt}/many`], { maxBuffer: 256 * MiB });
    const lsCold = seconds(l0);
    const l1 = performance.now();
    await run('ls', ['-lR', `${mnt}/many`], { maxBuffer: 256 * MiB });
    const lsWarm = seconds(l1);
    const listed = coldLs.stdout.split('\n').filter((l) => l.startsWith('-')).length;
    if (listed < listEntries) throw new Error(`ls -lR listed ${listed} files, expected ${listEntries}`);
    rows.push({ metric: `ls -lR ${listed} entries cold`, value: lsCold, unit: 's' });
    rows.push({ metric: `ls -lR ${listed} entries warm`, value: lsWarm, unit: 's' });

    // rsync of a tree of small files in, until uploaded, then a no-op second run.
    const tree = path.join(work, 'tree');
    await makeTree(tree);
    const r0 = performance.now();
    await run('rsync', ['-a', `${tree}/`, `${mnt}/tree/`]);
    const rsyncSec = seconds(r0);
    await eventually(async () => (await pendingUnder(`${mnt}/tree`)) === 0, 'tree upload', 30 * 60_000);
    const rsyncUploadedSec = seconds(r0);
    const r1 = performance.now();
    const again = await run('rsync', ['-a', '-i', `${tree}/`, `${mnt}/tree/`]);
    const noopSec = seconds(r1);
    rows.push({ metric: `rsync ${treeFiles} files in`, value: treeFiles / rsyncSec, unit: 'files/s' });
    rows.push({ metric: `rsync ${treeFiles} files, until uploaded`, value: treeFiles / rsyncUploadedSec, unit: 'files/s' });
    rows.push({ metric: 'second rsync (nothing to do)', value: noopSec, unit: 's', target: again.stdout === '' ? 'itemized nothing' : 'ITEMIZED CHANGES' });
  } finally {
    await stopAll();
    await emu.close();
    await fs.rm(work, { recursive: true, force: true });
  }
  printTable(`FUSE mount, ${sizeMiB} MiB file`, rows);
  console.log('results:', await writeResults(sizeMiB === 1024 ? 'fuse' : `fuse-${sizeMiB}MiB`, { sizeMiB, listEntries, treeFiles, rows }));
}

await main();
