// Event-loop stalls, split by cause. A 1 ms timer times the gaps between its turns; the main
// thread's scheduler statistics (Linux /proc/<pid>/task/<pid>/schedstat: time on a CPU, time waiting
// in the run queue) split each gap into this thread's own work, waiting for a CPU (other processes on
// a loaded machine), and the rest: blocked in a system call (an fsync, a lock). Only the first and
// the last are pdsfs's doing, so "the longest stall less CPU wait" is what a change should move.
import { readFileSync } from 'node:fs';
import type { Row } from './lib.js';

export interface Stall {
  /** Between two turns of the timer, ms. */
  wall: number;
  /** Of which the main thread ran on a CPU. */
  onCpu: number;
  /** Of which it was ready but waited for a CPU. */
  queued: number;
  /** When it ended (performance.now()). */
  at: number;
}

const schedstat = `/proc/${process.pid}/task/${process.pid}/schedstat`;

function sample(): { at: number; onCpu: number; queued: number } {
  const [onCpu = 0, queued = 0] = readFileSync(schedstat, 'utf8').split(' ').map(Number);
  return { at: performance.now(), onCpu: onCpu / 1e6, queued: queued / 1e6 };
}

export interface Stalls {
  longest: Stall;
  longestLessCpuWait: Stall;
  /** The gap with the most time on a CPU: the longest the thread worked without a turn, whatever the load. */
  longestOnCpu: Stall;
  /** Gaps with more than 2, 4 and 8 ms on a CPU, per second watched: how often, not only the worst one. */
  onCpuOver: Record<(typeof ON_CPU_STEPS)[number], number>;
  /** The gaps with more than 4 ms on a CPU themselves (the first MAX_KEPT), to be matched with GC pauses. */
  over4: Stall[];
}

const MAX_KEPT = 10_000;

/** Thresholds (ms on a CPU between two turns) whose gaps are counted. */
const ON_CPU_STEPS = [2, 4, 8] as const;

/** Starts timing; stop() returns the longest gap, the longest once the CPU wait is taken out, and the one longest on a CPU. */
export function watchStalls(): { stop(): Stalls } {
  let last = sample();
  let longest: Stall = { wall: 0, onCpu: 0, queued: 0, at: 0 };
  let longestLessCpuWait = longest;
  let longestOnCpu = longest;
  const started = last.at;
  const over = [0, 0, 0];
  const over4: Stall[] = [];
  const timer = setInterval(() => {
    const now = sample();
    const gap = { wall: now.at - last.at, onCpu: now.onCpu - last.onCpu, queued: now.queued - last.queued, at: now.at };
    if (gap.wall > longest.wall) longest = gap;
    if (gap.wall - gap.queued > longestLessCpuWait.wall - longestLessCpuWait.queued) longestLessCpuWait = gap;
    if (gap.onCpu > longestOnCpu.onCpu) longestOnCpu = gap;
    ON_CPU_STEPS.forEach((ms, i) => gap.onCpu > ms && over[i]!++);
    if (gap.onCpu > 4 && over4.length < MAX_KEPT) over4.push(gap);
    last = now;
  }, 1).unref();
  return {
    stop() {
      clearInterval(timer);
      const perSecond = 1000 / (performance.now() - started);
      const onCpuOver = { 2: over[0]! * perSecond, 4: over[1]! * perSecond, 8: over[2]! * perSecond };
      return { longest, longestLessCpuWait, longestOnCpu, onCpuOver, over4 };
    },
  };
}

/** Result rows for the stalls seen while `what` ran. */
export function stallRows(what: string, seen: Omit<Stalls, 'over4'>): Row[] {
  const { longest, longestLessCpuWait: own, longestOnCpu } = seen;
  return [
    { metric: `longest event-loop stall while ${what}`, value: longest.wall, unit: 'ms' },
    { metric: '  of which waiting for a CPU (other processes)', value: longest.queued, unit: 'ms' },
    { metric: `longest stall less CPU wait while ${what}`, value: own.wall - own.queued, unit: 'ms', target: 'a few ms' },
    { metric: '  of which blocked in a system call (not on a CPU)', value: own.wall - own.queued - own.onCpu, unit: 'ms' },
    { metric: `longest time on a CPU without a turn of the event loop while ${what}`, value: longestOnCpu.onCpu, unit: 'ms', target: 'a few ms' },
    ...ON_CPU_STEPS.map((ms) => ({ metric: `  turns with more than ${ms} ms on a CPU, per second`, value: seen.onCpuOver[ms], unit: '/s' })),
  ];
}
