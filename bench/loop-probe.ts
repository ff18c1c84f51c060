// Preloaded into a daemon under test (compiled to JavaScript, NODE_OPTIONS="--import <it>", see
// feedInDaemon in listing-feed.ts): times the daemon's own event loop, the gaps split by cause
// (stalls.ts) and perf_hooks' delay histogram. On SIGUSR2 it writes what it saw since the last
// signal to PDSFS_BENCH_LOOP_FILE as JSON, then starts over. PDSFS_BENCH_V8_FLAGS, if set, go to
// v8.setFlagsFromString first.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import v8 from 'node:v8';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { watchStalls } from './stalls.js';

const file = process.env.PDSFS_BENCH_LOOP_FILE;
if (!file) throw new Error('loop-probe: PDSFS_BENCH_LOOP_FILE is not set');
// V8 flags to try on the daemon (A/B runs of garbage-collector settings): NODE_OPTIONS takes few of them.
if (process.env.PDSFS_BENCH_V8_FLAGS) v8.setFlagsFromString(process.env.PDSFS_BENCH_V8_FLAGS);

let stalls = watchStalls();
let delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
/** GC pauses of one kind: how many, the longest, all together (ms). */
interface Pauses {
  count: number;
  longest: number;
  total: number;
}
const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const noGc = () => ({ longest: 0, total: 0, byKind: {} as Record<string, Pauses>, pauses: [] as { kind: string; start: number; end: number }[] });
let gc = noGc();
let cpu = process.cpuUsage();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.longest = Math.max(gc.longest, e.duration);
    gc.total += e.duration;
    const kind = KINDS[((e as { detail?: { kind?: number } }).detail)?.kind ?? 0] ?? 'other';
    const p = (gc.byKind[kind] ??= { count: 0, longest: 0, total: 0 });
    p.count++;
    p.longest = Math.max(p.longest, e.duration);
    p.total += e.duration;
    gc.pauses.push({ kind, start: e.startTime, end: e.startTime + e.duration });
  }
}).observe({ entryTypes: ['gc'] });

// With PDSFS_BENCH_CPU_PROFILE, the time between two reports is also CPU-profiled (sampled every
// 200 µs) into that file with the number of the report that ends it appended (`<file>.2`: from the
// first report to the second), for finding what ran in the long stretches without a turn.
const profileFile = process.env.PDSFS_BENCH_CPU_PROFILE;
const inspector = profileFile ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  inspector.post('Profiler.enable');
  inspector.post('Profiler.setSamplingInterval', { interval: 200 });
}
let profiling = false;
let reports = 0;

process.on('SIGUSR2', () => {
  const report = ++reports;
  if (inspector && profiling) inspector.post('Profiler.stop', (err, r) => !err && writeFileSync(`${profileFile!}.${report}`, JSON.stringify(r.profile)));
  if (inspector) inspector.post('Profiler.start');
  profiling = Boolean(inspector);
  const seen = stalls.stop();
  delay.disable();
  const used = process.cpuUsage(cpu);
  // CPU of the whole process (every thread) since the last report, ms.
  const cpuMs = (used.user + used.system) / 1000;
  const { pauses, ...gcTotals } = gc;
  // The garbage collection inside the gap longest on a CPU: how much of it was the collector's.
  const gap = seen.longestOnCpu;
  const inGap = pauses.filter((p) => p.end > gap.at - gap.wall && p.start < gap.at);
  const gcInLongestOnCpu = {
    ms: inGap.reduce((sum, p) => sum + Math.min(p.end, gap.at) - Math.max(p.start, gap.at - gap.wall), 0),
    kinds: [...new Set(inGap.map((p) => p.kind))].join(', '),
  };
  // How many of the gaps over 4 ms on a CPU had a collection in them.
  const { over4, ...rest } = seen;
  const over4WithGc = over4.filter((g) => pauses.some((p) => p.end > g.at - g.wall && p.start < g.at)).length;
  writeFileSync(file, JSON.stringify({ ...rest, over4: over4.length, over4WithGc, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, gc: gcTotals, gcInLongestOnCpu, cpuMs }));
  gc = noGc();
  cpu = process.cpuUsage();
  stalls = watchStalls();
  delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
});
