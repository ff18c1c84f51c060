// Hands the memory glibc keeps after it is freed back to the system, while the mount works. Every
// thread that allocates (the main thread, libuv's pool, V8's helpers, the embedded server's worker,
// libfuse's threads) shares two malloc arenas (bin/pdsfs: MALLOC_ARENA_MAX=2), and free() gives back
// only what lies at the top of an arena: after the tree bench's rsync the mount's arenas held 68 MB
// for 39 MB in use, and one malloc_trim(0) took its RSS from 181 to 156 MiB (2026-12-05, gdb). Node
// has no call for it; the fixed binding has one (memory-trim-c.ts), run on a thread of its own.

/** How often the mount looks whether it worked enough since its last trim to trim again. */
export const TRIM_INTERVAL_MS = 2000;

/** CPU time since the last trim (microseconds) below which the process counts as idle: no trim. */
const WORK_SINCE_TRIM_US = 100_000;

/** Trims every TRIM_INTERVAL_MS while the process works (an idle daemon is left alone); returns the stop. */
export function trimMemoryWhileWorking(trim: (start: boolean) => number, cpuMicros = processCpuMicros, intervalMs = TRIM_INTERVAL_MS): () => void {
  let last = cpuMicros();
  const timer = setInterval(() => {
    const now = cpuMicros();
    if (now - last < WORK_SINCE_TRIM_US) return;
    last = now;
    trim(true);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function processCpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
