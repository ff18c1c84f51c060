// How V8 collects garbage in a long-running daemon: how far the old generation grows between full
// collections, and young-generation collections on the main thread alone.
import v8 from 'node:v8';
import { LISTING_STARTED } from '../vfs/dir-cache.js';

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

function limitOldGenerationGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}

/**
 * While downloads or listings stream, the old generation may grow further between full collections.
 * A cold read allocates two buffers outside the heap per 64 KiB that arrives (the socket's and the
 * HTTP parser's), which V8 counts towards its next full collection: with 20% it ran 127 of them for a
 * 1 GiB read (docs/benchmarks.md, session 9 of the cold read). A 512 MiB cold GET through `pdsfs
 * serve` cost the daemon 4.5–5.0 CPU-s at 20%, 4.0 at 100% and 3.1 at 400%, with peak RSS
 * 208–216 / 215 / 242 MB. 100% keeps most of the saving. A tree walk's listings (up to sixteen at
 * once, each page's answer alive until it is stored) outlive the 4 MiB young generation: at 20% a
 * running mount's cold `ls -lR` of 100 × 100 ran 4–5 full collections, at 100% two, and V8's
 * helpers spent 0.12–0.14 CPU-s on it instead of 0.19–0.32 (docs/benchmarks.md, "Over a WAN-like
 * network", session 13). The daemon goes back to 20% once a second passes with less than
 * DOWNLOAD_BYTES_PER_SECOND fetched and fewer than two listings started (one folder read alone,
 * by `ls` or a file manager, never switches it).
 */
export const STREAMING_GROWTH_PERCENT = 100;

/** Bytes fetched in a second above which downloads count as streaming (a few blocks of a listing or a small file do not). */
const DOWNLOAD_BYTES_PER_SECOND = 8 * 1024 * 1024;

/** Listings started within one look (a second) from which a tree walk counts as streaming: one folder read alone does not. */
const WALK_LISTINGS = 2;

/**
 * Looks every `intervalMs` at the bytes fetched so far (a count from 0) and at the listings started
 * since (LISTING_STARTED), and sets the growth for what it sees. The second listing within a look
 * switches it at once: a walk lists many folders at once at its first step down and is over within
 * a second or two. Returns the stop. `setFlags` is V8's, or a test's.
 */
export function growHeapWhileStreaming(fetchedBytes: () => number, setFlags: (flags: string) => void = v8.setFlagsFromString, intervalMs = 1000): () => void {
  let last = 0;
  let streaming = false;
  let listings = 0;
  const set = (moving: boolean) => {
    if (moving === streaming) return;
    streaming = moving;
    setFlags(`--heap-growing-percent=${moving ? STREAMING_GROWTH_PERCENT : OLD_GENERATION_GROWTH_PERCENT}`);
  };
  const onListing = () => {
    if (++listings >= WALK_LISTINGS) set(true);
  };
  LISTING_STARTED.subscribe(onListing);
  const timer = setInterval(() => {
    const now = fetchedBytes();
    const moving = listings >= WALK_LISTINGS || now - last >= (DOWNLOAD_BYTES_PER_SECOND * intervalMs) / 1000;
    last = now;
    listings = 0;
    set(moving);
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    LISTING_STARTED.unsubscribe(onListing);
  };
}

/**
 * V8's collector as `pdsfs serve` and `pdsfs mount` run: the tight old-generation growth and
 * one-thread scavenges from the start, and the growth switched while more than
 * DOWNLOAD_BYTES_PER_SECOND are fetched or listings start (`fetchedBytes` counts from 0 and is first read a second
 * after the call, so it may read an app created after it). The benchmarks set it in pdsfs's
 * processes and their references' too, to measure what users run. Returns the switch's stop.
 */
export function collectAsDaemon(fetchedBytes: () => number): () => void {
  limitOldGenerationGrowth();
  scavengeOnMainThread();
  return growHeapWhileStreaming(fetchedBytes);
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
function scavengeOnMainThread(): void {
  v8.setFlagsFromString('--no-parallel-scavenge');
}
