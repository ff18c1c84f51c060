// Hands the memory glibc keeps after it is freed back to the system, after the mount worked. Every
// thread that allocates (the main thread, libuv's pool, V8's helpers, the embedded server's worker,
// libfuse's threads) shares two malloc arenas (bin/pdsfs: MALLOC_ARENA_MAX=2), and free() gives back
// only what lies at the top of an arena: after the tree bench's rsync the mount's arenas held 68 MB
// for 39 MB in use, and one malloc_trim(0) took its RSS from 181 to 156 MiB (2026-12-05, gdb). Node
// has no call for it; the fixed binding has one (memory-trim-c.ts), run on a thread of its own.

/** How often the mount looks whether it worked, and has gone quiet since. */
export const TRIM_INTERVAL_MS = 2000;

/** CPU time within one look (microseconds) from which the process counts as working. */
const WORKING_US = 100_000;

/**
 * Trims once the process goes quiet after working: at the first look with less than WORKING_US of
 * CPU since the one before, if a look since the last trim saw it working. Not while it works: a
 * trim every 2 s through the tree's rsync cost the mount 0.5–1.6 CPU-s more in each of three pairs
 * (the pages it gave back were faulted in again), and the peak did not move. An idle daemon is left
 * alone. Returns the stop.
 */
export function trimMemoryWhenQuiet(trim: (start: boolean) => number, cpuMicros = processCpuMicros, intervalMs = TRIM_INTERVAL_MS): () => void {
  let last = cpuMicros();
  let worked = false;
  const timer = setInterval(() => {
    const now = cpuMicros();
    const used = now - last;
    last = now;
    if (used >= WORKING_US) worked = true;
    else if (worked) {
      worked = false;
      trim(true);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function processCpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
