// The change feed alone (BENCH_ONLY=feed; not in the default run, listing and million run it too):
// `pdsfs serve` on a cache of one listed folder of BENCH_FEED_CACHED (10,000) files applies
// BENCH_FEED_CHANGES (100,000) creates while a client asks it for names (listing-feed.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bulkFolder } from '../test/helpers/bulk-entries.js';
import { pdsfsServe, propfind, stopChild } from './front-ends.js';
import { printTable, startBenchEmulator, writeResults } from './lib.js';
import { feedInDaemon } from './listing-feed.js';

const CACHED = Number(process.env.BENCH_FEED_CACHED ?? 10_000);
const CHANGES = Number(process.env.BENCH_FEED_CHANGES ?? 100_000);

const emu = await startBenchEmulator();
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-feed-'));
const cacheDir = path.join(work, 'cache');
try {
  bulkFolder(emu.dataDir, emu.driveId, 'cached', CACHED);
  // The cached folder, listed once by a daemon of its own: the feed's daemon starts on a warm cache.
  const serve = await pdsfsServe(emu, cacheDir);
  try {
    await propfind(`${serve.url}cached/`, CACHED);
  } finally {
    await stopChild(serve.child);
  }
  const rows = await feedInDaemon(emu, cacheDir, 'feed', CHANGES, 'cached/entry-1');
  printTable(`Change feed of ${CHANGES} creates in pdsfs serve (machine shared with other work)`, rows);
  console.log('results:', await writeResults('feed', { cached: CACHED, changes: CHANGES, rows }));
} finally {
  await emu.close();
  await fs.rm(work, { recursive: true, force: true });
}
