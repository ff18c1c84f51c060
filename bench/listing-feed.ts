// The change feed applying many creates inside `pdsfs serve` (its own process, the daemon as users
// run it), while a client asks it for one name over and over and times each answer. The daemon's
// event loop is timed from inside by loop-probe.ts (preloaded): the longest gap split by cause, and
// perf_hooks' delay histogram. The creates go into a folder the daemon has listed already (while
// empty), so each answer comes from the cache, and the last name showing up marks the feed applied.
// The same client asking for a few seconds before the feed starts gives the figures without it.
import fs from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { bulkEntries, bulkFolder } from '../test/helpers/bulk-entries.js';
import { pdsfsServe, propfind, seconds, stopChild } from './front-ends.js';
import type { Row } from './lib.js';
import { stallRows, type Stalls } from './stalls.js';

const PROBE_SOURCES = ['loop-probe.ts', 'stalls.ts'];
const DEPTH0 = { method: 'PROPFIND', headers: { Depth: '0' } };
/** How long the client asks before the feed starts, for the figures without it. */
const IDLE_CLIENT_MS = 5000;

export interface LoopReport extends Omit<Stalls, 'over4'> {
  /** Gaps with more than 4 ms on a CPU, and how many of them had a garbage collection in them. */
  over4: number;
  over4WithGc: number;
  p99: number;
  max: number;
  gc: { longest: number; total: number; byKind: Record<string, { count: number; longest: number; total: number }> };
  gcInLongestOnCpu: { ms: number; kinds: string };
  cpuMs: number;
}

/** The share of the turns over 4 ms on a CPU that had a garbage collection in them. */
function over4Row(report: LoopReport): Row {
  return { metric: '  of the turns over 4 ms, with a garbage collection in them', value: report.over4 ? (100 * report.over4WithGc) / report.over4 : 0, unit: '%', reference: report.over4 };
}

/** One row per kind of collection the probe saw: how many pauses, the longest, all together. */
function gcKindRows(report: LoopReport): Row[] {
  return Object.entries(report.gc.byKind).map(([kind, p]) => ({ metric: `    ${kind}: ${p.count} pauses, longest (ms) / all (s)`, value: p.longest, unit: 'ms', reference: p.total / 1000 }));
}

type Emu = { endpoint: string; token: string; driveId: string; dataDir: string };

/**
 * loop-probe.ts and what it imports, compiled to plain ES modules in `dir`: a loader hook (tsx) in
 * the daemon would also load its worker threads' modules, and deadlocked it.
 */
export async function compiledProbe(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
  for (const name of PROBE_SOURCES) {
    const source = await fs.readFile(path.join(import.meta.dirname, name), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    await fs.writeFile(path.join(dir, name.replace(/\.ts$/, '.js')), outputText);
  }
  return path.join(dir, 'loop-probe.js');
}

/** What the probe saw since it last reported (it starts over). */
export async function loopReport(pid: number, file: string): Promise<LoopReport> {
  await fs.rm(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 500; i++) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    if (text) return JSON.parse(text) as LoopReport;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('loop probe did not report');
}

/** Status of a PROPFIND Depth 0, and how long its answer took (ms). */
async function ask(url: string, retry = true): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  let res;
  try {
    res = await fetch(url, DEPTH0);
  } catch (err) {
    // A kept-alive connection the server closed after its idle timeout (while the creates were written).
    if (retry && (err as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET') return ask(url, false);
    throw err;
  }
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0 };
}

/**
 * `changes` creates in the new folder `folder`, applied by `pdsfs serve` on `cacheDir` (polling
 * every second) while `warmFile` (a cached path) and the last new name are asked for in turn.
 */
export async function feedInDaemon(emu: Emu, cacheDir: string, folder: string, changes: number, warmFile: string): Promise<Row[]> {
  const { folderId } = bulkFolder(emu.dataDir, emu.driveId, folder, 0, { changes: true });
  const loopFile = path.join(cacheDir, `loop-${folder}.json`);
  const probe = await compiledProbe(path.join(cacheDir, 'loop-probe'));
  const serve = await pdsfsServe(emu, cacheDir, ['--poll-interval', '1'], {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${probe}`,
    PDSFS_BENCH_LOOP_FILE: loopFile,
  });
  const pid = serve.child.pid!;
  try {
    // The folder, listed while empty: the creates land in a fresh listing, asked for without list calls.
    for (let i = 0; ; i++) {
      if ((await ask(`${serve.url}${folder}/`)).status === 207) break;
      if (i === 100) throw new Error(`${folder} never showed up`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await propfind(`${serve.url}${folder}/`, 0);
    if ((await ask(`${serve.url}${warmFile}`)).status !== 207) throw new Error(`${warmFile}: not found`);
    // The same client for a while without the feed: what the answers alone cost the event loop.
    await loopReport(pid, loopFile);
    let idleAnswers = 0;
    let idleLongest = 0;
    for (const until = performance.now() + IDLE_CLIENT_MS; performance.now() < until; idleAnswers++) {
      idleLongest = Math.max(idleLongest, (await ask(`${serve.url}${warmFile}`)).ms);
    }
    const idle = await loopReport(pid, loopFile);

    const t0 = performance.now();
    bulkEntries(emu.dataDir, emu.driveId, folderId, changes, { changes: true });
    const written = performance.now();
    let firstSeen = 0;
    let longestAnswer = 0;
    let answers = 0;
    for (;;) {
      const warm = await ask(`${serve.url}${warmFile}`);
      const last = await ask(`${serve.url}${folder}/entry-${changes - 1}`);
      if (warm.status !== 207 || (last.status !== 207 && last.status !== 404)) throw new Error(`answers ${warm.status}, ${last.status}`);
      answers += 2;
      longestAnswer = Math.max(longestAnswer, warm.ms, last.ms);
      if (!firstSeen && (await ask(`${serve.url}${folder}/entry-0`)).status === 207) firstSeen = performance.now();
      if (last.status === 207) break;
      if (performance.now() - t0 > 30 * 60_000) throw new Error('the change feed was not applied in 30 min');
    }
    const applied = seconds(firstSeen || written);
    const loop = await loopReport(pid, loopFile);
    await propfind(`${serve.url}${folder}/`, changes);
    return [
      { metric: `change feed in pdsfs serve: ${changes} creates applied (first to last seen)`, value: applied, unit: 's' },
      { metric: `  answers to PROPFIND Depth 0 meanwhile`, value: answers, unit: '' },
      { metric: `  longest of those answers`, value: longestAnswer, unit: 'ms', target: 'a few ms' },
      ...stallRows('applying (in pdsfs serve)', loop),
      over4Row(loop),
      { metric: `  of which garbage collection (${loop.gcInLongestOnCpu.kinds || 'none'})`, value: loop.gcInLongestOnCpu.ms, unit: 'ms' },
      { metric: '  event-loop delay, 99th percentile (perf_hooks)', value: loop.p99, unit: 'ms' },
      { metric: '  event-loop delay, max (perf_hooks)', value: loop.max, unit: 'ms' },
      { metric: '  longest garbage-collection pause', value: loop.gc.longest, unit: 'ms' },
      { metric: '  garbage collection in all', value: loop.gc.total / 1000, unit: 's' },
      ...gcKindRows(loop),
      { metric: '  CPU of pdsfs serve (all threads) while applying', value: loop.cpuMs / 1000, unit: 's' },
      { metric: `the same client without the feed, ${IDLE_CLIENT_MS / 1000} s: answers`, value: idleAnswers, unit: '' },
      { metric: '  longest of those answers', value: idleLongest, unit: 'ms' },
      ...stallRows('answering alone', idle),
      over4Row(idle),
      { metric: '  longest garbage-collection pause', value: idle.gc.longest, unit: 'ms' },
      ...gcKindRows(idle),
    ];
  } finally {
    await stopChild(serve.child);
  }
}
