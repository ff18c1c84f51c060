// Large-folder benchmark: folders of BENCH_LIST_SIZES entries (default 10000,100000) listed through
// `pdsfs serve` (PROPFIND Depth 1) and `pdsfs mount` (ls -l), cold (first listing from the local
// PDS server) and warm, beside `rclone serve webdav` and `rclone mount` over a local folder of the
// same shape, each front-end in its own process (peak RSS is its VmHWM). In this process: a page of
// 100 from the local server alone, stat of one name from the cache, SQLite bytes per node. Then
// `pdsfs serve` applies a change feed of one create per entry while it answers (listing-feed.ts). Entries are written into the local server's store by
// the test-only fast path in bulk-entries.ts.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApp } from '../src/app.js';
import { defaultAppOptions } from '../test/helpers/app-options.js';
import { startMount, stopAll } from '../test/fuse/harness.js';
import { bulkFolder } from '../test/helpers/bulk-entries.js';
import { freePort, pdsfsServe, peakRssOf, propfind, seconds, stopChild } from './front-ends.js';
import { api, printTable, type Row, startBenchEmulator, writeResults } from './lib.js';
import { feedInDaemon } from './listing-feed.js';

const run = promisify(execFile);
const sizes = (process.env.BENCH_LIST_SIZES ?? '10000,100000').split(',').map(Number);
const MiB = 1024 * 1024;

async function lsLong(dir: string, entries: number): Promise<number> {
  const t0 = performance.now();
  const { stdout } = await run('ls', ['-l', dir], { maxBuffer: 1024 * MiB });
  const s = seconds(t0);
  const files = stdout.split('\n').filter((l) => l.startsWith('-')).length;
  if (files !== entries) throw new Error(`ls -l ${dir}: ${files} files, expected ${entries}`);
  return s;
}

async function rcloneServe(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('rclone', ['serve', 'webdav', dir, '--addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(url, { method: 'OPTIONS' }).then(() => true, () => false)) return { url, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('rclone serve webdav did not start');
}

async function rcloneMount(dir: string, mnt: string): Promise<ChildProcess> {
  await fs.mkdir(mnt, { recursive: true });
  const child = spawn('rclone', ['mount', dir, mnt, '--vfs-cache-mode', 'off'], { stdio: ['ignore', 'ignore', 'pipe'] });
  for (let i = 0; i < 400; i++) {
    const mounts = await fs.readFile('/proc/self/mountinfo', 'utf8');
    if (mounts.includes(` ${mnt} `)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('rclone mount did not start');
}

async function localFolder(dir: string, n: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, n - i) }, (_, k) => fs.writeFile(path.join(dir, `entry-${i + k}`), '')));
  }
}

/** Local server alone: every page of 100 of the folder in turn, by marker. */
async function serverPages(emu: { endpoint: string; token: string; driveId: string }, folderId: string): Promise<{ perPageMs: number; pages: number }> {
  let marker = '';
  let pages = 0;
  const t0 = performance.now();
  do {
    const page = await api<{ next_marker: string }>(emu as never, '/v2/file/list', { drive_id: emu.driveId, parent_file_id: folderId, limit: 100, marker, fields: '*' });
    marker = page.next_marker;
    pages++;
  } while (marker);
  return { perPageMs: (performance.now() - t0) / pages, pages };
}

/** In this process: stat of names from a warm cache, bytes per node. */
async function inProcess(emu: Awaited<ReturnType<typeof startBenchEmulator>>, n: number, name: string, work: string): Promise<Row[]> {
  const cacheDir = path.join(work, `vfs-${n}`);
  const app = await createApp({ ...defaultAppOptions(emu.endpoint, emu.token, cacheDir), drive: emu.driveId });
  const rows: Row[] = [];
  try {
    const dir = `/${name}`;
    // Listed first: a name in a folder never listed is asked of the server (file/get_by_path).
    let listed = 0;
    for await (const page of app.vfs.readdirPages(dir)) listed += page.length;
    if (listed !== n) throw new Error(`${dir}: ${listed} entries`);
    const tries = 2000;
    const t0 = performance.now();
    for (let i = 0; i < tries; i++) await app.vfs.stat(`${dir}/entry-${(i * 7919) % n}`);
    rows.push({ metric: `stat of one name, ${n} entries, warm`, value: ((performance.now() - t0) / tries) * 1000, unit: 'µs', target: '< 1000' });
    // The WAL is checkpointed into the main file by close; until then both hold the nodes.
    let dbBytes = 0;
    for (const f of ['metadata.sqlite', 'metadata.sqlite-wal']) dbBytes += (await fs.stat(path.join(app.cacheDir, f)).catch(() => ({ size: 0 }))).size;
    rows.push({ metric: `SQLite bytes per node, ${n} nodes`, value: dbBytes / n, unit: 'B' });
  } finally {
    await app.close();
  }
  return rows;
}

async function main(): Promise<void> {
  const emu = await startBenchEmulator();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-list-'));
  const rows: Row[] = [];
  const curve: Record<string, unknown>[] = [];
  try {
    for (const n of sizes) {
      const name = `folder-${n}`;
      const { folderId } = bulkFolder(emu.dataDir, emu.driveId, name, n);
      const local = path.join(work, `local-${n}`);
      await localFolder(path.join(local, name), n);
      const point: Record<string, number> = { entries: n };

      const page = await serverPages(emu, folderId);
      rows.push({ metric: `local server: one page of 100, ${n} entries`, value: page.perPageMs, unit: 'ms', target: 'a few ms' });

      // WebDAV.
      const serve = await pdsfsServe(emu, path.join(work, `serve-${n}`));
      const davCold = await propfind(`${serve.url}${name}/`, n);
      const davWarm = await propfind(`${serve.url}${name}/`, n);
      const davRss = await peakRssOf(serve.child.pid);
      await stopChild(serve.child);
      const rs = await rcloneServe(local);
      await propfind(`${rs.url}${name}/`, n);
      const rcDav = await propfind(`${rs.url}${name}/`, n);
      const rcDavRss = await peakRssOf(rs.child.pid);
      await stopChild(rs.child);
      rows.push({ metric: `PROPFIND Depth 1, ${n}, cold`, value: davCold, unit: 's', reference: rcDav, ratio: rcDav / davCold });
      rows.push({ metric: `PROPFIND Depth 1, ${n}, warm`, value: davWarm, unit: 's', reference: rcDav, ratio: rcDav / davWarm, target: 'ratio >= 1' });
      rows.push({ metric: `peak RSS pdsfs serve, ${n}`, value: davRss, unit: 'MiB', reference: rcDavRss, target: '< 200' });

      // FUSE.
      const mnt = path.join(work, 'mnt');
      const m = await startMount({ endpoint: emu.endpoint, accessToken: emu.token, cacheDir: path.join(work, `mount-${n}`) }, mnt, ['--drive', emu.driveId]);
      const lsCold = await lsLong(path.join(mnt, name), n);
      const lsWarm = await lsLong(path.join(mnt, name), n);
      const mountRss = await peakRssOf(m.child.pid);
      await m.stop();
      const m2 = await startMount({ endpoint: emu.endpoint, accessToken: emu.token, cacheDir: path.join(work, `mount-${n}`) }, mnt, ['--drive', emu.driveId]);
      const lsRestart = await lsLong(path.join(mnt, name), n);
      await m2.stop();
      const rm = await rcloneMount(local, mnt);
      await lsLong(path.join(mnt, name), n);
      const rcLs = await lsLong(path.join(mnt, name), n);
      const rcMountRss = await peakRssOf(rm.pid);
      await stopChild(rm);
      await run('fusermount', ['-uz', mnt]).catch(() => undefined);
      rows.push({ metric: `ls -l, ${n}, cold`, value: lsCold, unit: 's', reference: rcLs, ratio: rcLs / lsCold });
      rows.push({ metric: `ls -l, ${n}, warm`, value: lsWarm, unit: 's', reference: rcLs, ratio: rcLs / lsWarm, target: 'ratio >= 1' });
      rows.push({ metric: `ls -l, ${n}, after a restart on the warm cache`, value: lsRestart, unit: 's', reference: rcLs, ratio: rcLs / lsRestart });
      rows.push({ metric: `peak RSS pdsfs mount, ${n}`, value: mountRss, unit: 'MiB', reference: rcMountRss, target: '< 200' });

      const inproc = await inProcess(emu, n, name, work);
      rows.push(...inproc);
      rows.push(...(await feedInDaemon(emu, path.join(work, `serve-${n}`), `${name}-feed`, n, `${name}/entry-1`)));
      Object.assign(point, {
        serverPageMs: page.perPageMs,
        propfindColdUsPerEntry: (davCold / n) * 1e6, propfindWarmUsPerEntry: (davWarm / n) * 1e6,
        lsColdUsPerEntry: (lsCold / n) * 1e6, lsWarmUsPerEntry: (lsWarm / n) * 1e6,
        serveRssMiB: davRss, mountRssMiB: mountRss, rcloneServeRssMiB: rcDavRss, rcloneMountRssMiB: rcMountRss,
        ...Object.fromEntries(inproc.map((r) => [r.metric, r.value])),
      });
      curve.push(point);
    }
  } finally {
    await stopAll();
    await emu.close();
    await fs.rm(work, { recursive: true, force: true });
  }
  printTable('Large folders (machine shared with other work: compare ratios within the run)', rows);
  console.log('per-entry curve:');
  console.table(curve.map((p) => Object.fromEntries(Object.entries(p).filter(([k]) => !k.includes(' ')).map(([k, v]) => [k, Math.round((v as number) * 100) / 100]))));
  console.log('results:', await writeResults('listing', { sizes, rows, curve }));
}

await main();
