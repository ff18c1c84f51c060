// How far V8 lets the old generation of a long-running daemon grow between full collections.
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
