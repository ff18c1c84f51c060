// Preloaded into a daemon under test (compiled to JavaScript, NODE_OPTIONS="--import <it>", see
// feedInDaemon in listing-feed.ts): times the daemon's own event loop, the gaps split by cause
// (stalls.ts) and perf_hooks' delay histogram. On SIGUSR2 it writes what it saw since the last
// signal to PDSFS_BENCH_LOOP_FILE as JSON, then starts over.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { watchStalls } from './stalls.js';

const file = process.env.PDSFS_BENCH_LOOP_FILE;
if (!file) throw new Error('loop-probe: PDSFS_BENCH_LOOP_FILE is not set');

let stalls = watchStalls();
let delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let gc = { longest: 0, total: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.longest = Math.max(gc.longest, e.duration);
    gc.total += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  const seen = stalls.stop();
  delay.disable();
  writeFileSync(file, JSON.stringify({ ...seen, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, gc }));
  gc = { longest: 0, total: 0 };
  stalls = watchStalls();
  delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
});
