// How V8 collects garbage in a long-running daemon: how far the old generation grows between full
// collections, and young-generation collections on the main thread alone.
import v8 from 'node:v8';

/**
 * By default V8 starts the next full collection only once the old generation has grown by a factor
 * it picks from its own speed figures. A daemon keeps about 20 MiB alive, but each FUSE or WebDAV
 * request leaves objects that outlive a scavenge (they wait on SQLite or HTTP), so during an rsync of
 * 2,000 files the main isolate's old generation swung between 33 and 60–67 MiB (physical) before each
 * full collection. 20% keeps it near what is alive (21–27 MiB at the same point, 2026-12-04); V8
 * still grows the limit by at least its own minimum step. This flag is read at every full
 * collection, so it takes effect when set at run time (unlike the young generation's size: see
 * bin/pdsfs).
 */
export const OLD_GENERATION_GROWTH_PERCENT = 20;

export function limitOldGenerationGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}

/**
 * A scavenge (young-generation collection) stops the main thread until it is done, and by default
 * V8 shares it with helper threads that the main thread then waits for. On a loaded machine a helper
 * waits for a CPU, and so does every request. Applying the change feed on a 2-CPU machine at load
 * 7-22 (docs/benchmarks.md, "A million-node drive"): scavenges took 2.2 ms (median) without GC helper
 * threads against 9.7 ms with them; in pdsfs serve, 0.56 s in all against 1.17 s, the longest 42 ms
 * against 105 ms. A young generation of 4 MiB (bin/pdsfs) is small enough for one thread. Read at
 * every scavenge, so it takes effect when set at run time.
 */
export function scavengeOnMainThread(): void {
  v8.setFlagsFromString('--no-parallel-scavenge');
}
