// CPU per listed entry, stage by stage, of what a cold walk does with each folder's listing, in one
// process against a local server of its own (a child process, its CPU from /proc): the server's
// answer; the client's exchange (through the PDS client as the VFS asks: axios, the JSON parse and
// the entries); the parse and the entries alone, over the same answers kept as text; storing the
// pages in a new metadata cache as a walk does (the pages of 8 folders a turn, MetadataStore.afterTurn);
// and reading them back a page at a time (MetadataStore.childPages). Warm figures (the median of
// BENCH_STAGES_ROUNDS rounds after the first): what a long walk pays per entry, not a new process's
// first runs. `npm run build --silent && node --import tsx bench/list-stages.ts`; BENCH_STAGES_SIZE
// (100): the tree is that many folders of that many files (bench/net.ts's walk at 100).
// BENCH_STAGES_DIST (dist): the compiled build to measure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, chunkFactory, makeRemoteTree, printTable, processCpuSeconds, rawUpload, startBenchEmulator, writeResults } from './lib.js';

const size = Number(process.env.BENCH_STAGES_SIZE ?? 100);
const rounds = Number(process.env.BENCH_STAGES_ROUNDS ?? 6);
const dist = path.resolve(import.meta.dirname, '..', process.env.BENCH_STAGES_DIST ?? 'dist');
// The built modules (as bin/pdsfs runs them).
const load = async <T>(m: string) => (await import(path.join(dist, m))) as T;
const { DriveRemote } = await load<typeof import('../src/pds/drive-remote.js')>('pds/drive-remote.js');
const { connectPds } = await load<typeof import('../src/pds/connect.js')>('pds/connect.js');
const { shapeAnswer } = await load<typeof import('../src/pds/answer-shapes.js')>('pds/answer-shapes.js');
const { CacheDb } = await load<typeof import('../src/cache/metadata/db.js')>('cache/metadata/db.js');
const { MetadataStore } = await load<typeof import('../src/cache/metadata/nodes.js')>('cache/metadata/nodes.js');

/** CPU ms of this process, all threads. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** The walk's concurrency: a folder's listing and 8 listed ahead (listing-prefetch.ts). */
const AT_ONCE = 8;
const VOLUME = 'bench-volume';

const emu = await startBenchEmulator();
try {
  const up = await rawUpload(emu, 'blob.bin', 1, chunkFactory(7));
  const { content_hash } = await api<{ content_hash: string }>(emu, '/v2/file/get', { drive_id: emu.driveId, file_id: up.fileId });
  await makeRemoteTree(emu, 'tree', size, content_hash);
  const client = connectPds({ endpoint: emu.endpoint, accessToken: emu.token, answerWorker: false });
  const remote = new DriveRemote(client, emu.driveId);
  const top = (await api<{ items: { file_id: string; name: string }[] }>(emu, '/v2/file/list', { drive_id: emu.driveId, parent_file_id: 'root' })).items.find((i) => i.name === 'tree')!;
  const folders: string[] = [];
  for await (const page of remote.listPages(top.file_id)) for (const e of page) if (e.kind === 'dir') folders.push(e.id);
  // Each folder's answer as text, asked as the client asks it, for the parse and entries stages.
  const texts: string[] = [];
  for (const id of folders) {
    const r = await fetch(`${emu.endpoint}/v2/file/list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ drive_id: emu.driveId, parent_file_id: id, limit: 100, fields: '*', url_expire_sec: client.downloader.urlExpireSec }),
    });
    texts.push(await r.text());
  }
  const stages = ['server', 'exchange', 'parse', 'entries', 'store', 'read'] as const;
  const ms: Record<(typeof stages)[number], number[]> = { server: [], exchange: [], parse: [], entries: [], store: [], read: [] };
  let entries = 0;
  for (let round = 0; round < rounds; round++) {
    const s0 = await processCpuSeconds(emu.pid);
    let t = cpuMs();
    const pages: [string, Awaited<ReturnType<typeof collectPages>>][] = [];
    let next = 0;
    await Promise.all(Array.from({ length: AT_ONCE }, async () => {
      while (next < folders.length) {
        const id = folders[next++]!;
        pages.push([id, await collectPages(id)]);
      }
    }));
    ms.exchange.push(cpuMs() - t);
    ms.server.push(((await processCpuSeconds(emu.pid)) - s0) * 1000);
    entries = pages.reduce((n, [, p]) => n + p.reduce((m, page) => m + page.length, 0), 0);
    t = cpuMs();
    const parsed = texts.map((x) => JSON.parse(x) as unknown);
    ms.parse.push(cpuMs() - t);
    t = cpuMs();
    for (const j of parsed) shapeAnswer('entries', j);
    ms.entries.push(cpuMs() - t);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-list-stages-'));
    const db = CacheDb.open(path.join(dir, 'metadata.sqlite'));
    const store = new MetadataStore(db);
    t = cpuMs();
    for (let i = 0; i < pages.length; i += AT_ONCE) {
      const at = Date.now();
      await Promise.all(pages.slice(i, i + AT_ONCE).flatMap(([id, list]) => [
        ...list.map((page) => store.afterTurn(() => store.storeListingPage(VOLUME, id, page, at))),
        store.afterTurn(() => store.finishListing(VOLUME, id, at)),
      ]));
    }
    ms.store.push(cpuMs() - t);
    t = cpuMs();
    for (const id of folders) for (const page of store.childPages(VOLUME, id, 100)) void page;
    ms.read.push(cpuMs() - t);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => {
    const warm = xs.slice(1).sort((a, b) => a - b);
    return warm[Math.floor(warm.length / 2)]!;
  };
  const rows = stages.map((s) => ({ metric: `${s}: CPU per entry (first round ${((ms[s][0]! * 1000) / entries).toFixed(1)})`, value: (median(ms[s]) * 1000) / entries, unit: 'µs' }));
  printTable(`CPU per listed entry by stage, ${folders.length} folders, ${entries} entries, median of ${rounds - 1} warm rounds (load ${os.loadavg()[0]!.toFixed(1)})`, rows);
  console.log('results:', await writeResults('list-stages', { size, rounds, folders: folders.length, entries, ms, rows, load: os.loadavg() }));

  async function collectPages(id: string) {
    const out = [];
    for await (const page of remote.listPages(id)) out.push(page);
    return out;
  }
} finally {
  await emu.close();
}
process.exit(0);
