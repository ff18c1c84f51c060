// A million-node drive (opt-in, it takes a while: BENCH_ONLY=million npm run bench). The local server
// holds BENCH_MILLION_FOLDERS (1000) folders of 1000 empty files, written into its store by the
// test-only fast path in bulk-entries.ts. pdsfs lists them all (in this process, 8 folders at a
// time) and is measured when a tenth of them and when all of them are in its metadata cache:
// SQLite bytes per node; a warm restart (open, then the first stat and the first page of a folder,
// with the list calls and SQLite pages it took); peak RSS of `pdsfs serve` on that cache answering a
// PROPFIND Depth 1 of a folder (its own process). With everything cached: `pdsfs serve` applying a
// change feed of 100,000 creates while it answers, with its event-loop stalls (listing-feed.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { defaultAppOptions } from '../test/helpers/app-options.js';
import { bulkFolder } from '../test/helpers/bulk-entries.js';
import { pdsfsServe, peakRssOf, propfind, seconds, stopChild } from './front-ends.js';
import { printTable, type Row, startBenchEmulator, writeResults } from './lib.js';
import { feedInDaemon } from './listing-feed.js';

const FOLDERS = Number(process.env.BENCH_MILLION_FOLDERS ?? 1000);
const FILES = 1000;
const FEED_CHANGES = 100_000;
const WALKERS = 8;

type Emu = Awaited<ReturnType<typeof startBenchEmulator>>;

/** The metadata cache's size on disk (the app keeps it in a folder of its own under cacheDir). */
async function cacheBytes(cacheDir: string): Promise<number> {
  let bytes = 0;
  for (const f of (await fs.readdir(cacheDir, { recursive: true })).filter((f) => /metadata\.sqlite(-wal)?$/.test(f))) {
    bytes += (await fs.stat(path.join(cacheDir, f))).size;
  }
  return bytes;
}

const openApp = (emu: Emu, cacheDir: string) => createApp({ ...defaultAppOptions(emu.endpoint, emu.token, cacheDir), drive: emu.driveId });

/** Lists folders d{from} … d{to - 1} through the VFS, WALKERS at a time. */
async function listFolders(emu: Emu, cacheDir: string, from: number, to: number): Promise<void> {
  const app = await openApp(emu, cacheDir);
  try {
    let next = from;
    const walker = async () => {
      for (let i = next++; i < to; i = next++) {
        let n = 0;
        for await (const page of app.vfs.readdirPages(`/d${i}`)) n += page.length;
        if (n !== FILES) throw new Error(`/d${i}: ${n} entries`);
      }
    };
    await Promise.all(Array.from({ length: WALKERS }, walker));
  } finally {
    await app.close();
  }
}

/** Opens the cache again and answers a first stat and a first page: how long, and what it cost. */
async function warmRestart(emu: Emu, cacheDir: string, folders: number): Promise<Row[]> {
  const t0 = performance.now();
  const app = await openApp(emu, cacheDir);
  const opened = seconds(t0);
  try {
    const before = app.admin.status().metadata;
    const t1 = performance.now();
    await app.vfs.stat(`/d${folders - 1}/entry-${FILES - 1}`);
    const firstStat = seconds(t1);
    const t2 = performance.now();
    const pages = app.vfs.readdirPages(`/d${Math.floor(folders / 2)}`)[Symbol.asyncIterator]();
    await pages.next();
    await pages.return?.(undefined);
    const firstPage = seconds(t2);
    const after = app.admin.status().metadata;
    return [
      { metric: 'warm restart: open the cache', value: opened * 1000, unit: 'ms' },
      { metric: 'warm restart: first stat of a file two levels down', value: firstStat * 1000, unit: 'ms' },
      { metric: 'warm restart: first page of a folder', value: firstPage * 1000, unit: 'ms' },
      { metric: 'warm restart: list calls until then', value: app.admin.status().listCalls, unit: '', target: '0' },
      { metric: 'warm restart: SQLite pages read until then', value: after.pages - before.pages, unit: '' },
    ];
  } finally {
    await app.close();
  }
}

/** Peak RSS of `pdsfs serve` on the cache answering a PROPFIND Depth 1 of one folder. */
async function serveRss(emu: Emu, cacheDir: string, folders: number): Promise<number> {
  const serve = await pdsfsServe(emu, cacheDir);
  try {
    await propfind(`${serve.url}d${folders - 1}/`, FILES);
    return await peakRssOf(serve.child.pid);
  } finally {
    await stopChild(serve.child);
  }
}

async function main(): Promise<void> {
  const emu = await startBenchEmulator();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-million-'));
  const cacheDir = path.join(work, 'cache');
  const rows: Row[] = [];
  try {
    const t0 = performance.now();
    for (let i = 0; i < FOLDERS; i++) bulkFolder(emu.dataDir, emu.driveId, `d${i}`, FILES);
    rows.push({ metric: `setup: ${FOLDERS} × ${FILES} entries written into the local server`, value: seconds(t0), unit: 's' });
    let listed = 0;
    for (const folders of [Math.max(1, FOLDERS / 10), FOLDERS]) {
      const t1 = performance.now();
      await listFolders(emu, cacheDir, listed, folders);
      const nodes = folders * (FILES + 1) + 1;
      rows.push({ metric: `${nodes} nodes: first listing of ${folders - listed} folders`, value: seconds(t1), unit: 's' });
      listed = folders;
      rows.push({ metric: `${nodes} nodes: SQLite bytes per node`, value: (await cacheBytes(cacheDir)) / nodes, unit: 'B' });
      rows.push(...(await warmRestart(emu, cacheDir, folders)).map((r) => ({ ...r, metric: `${nodes} nodes: ${r.metric}` })));
      rows.push({ metric: `${nodes} nodes: peak RSS of pdsfs serve, PROPFIND of one folder`, value: await serveRss(emu, cacheDir, folders), unit: 'MiB', target: 'flat' });
    }
    rows.push(...(await feedInDaemon(emu, cacheDir, 'feed', FEED_CHANGES, 'd0/entry-1')));
  } finally {
    await emu.close();
    await fs.rm(work, { recursive: true, force: true });
  }
  printTable('A million-node drive (machine shared with other work)', rows);
  console.log('results:', await writeResults('million', { folders: FOLDERS, files: FILES, rows }));
}

await main();
