// Multi-stream reads under a per-connection cap: how many GETs a long range runs at once (and that
// the number stays bounded), that the bytes stay identical, what the first byte costs, and that the
// memory budget is given back. Counts, never times.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { before, test } from 'node:test';
import { collect } from '../../src/pds/paging.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { fileSource } from '../../src/pds/upload-source.js';
import type { DownloadTarget } from '../../src/pds/download.js';
import { randomFile, readAll, sha1, startPds } from './fixture.js';

const SEGMENT = 256 * 1024;
const MAX_STREAMS = 4;
// 1 MiB/s per connection: a segment takes about 1/4 s, so segments overlap whatever the machine's load.
const pds = await startPds({ faults: { netRatePerConnection: 1024 * 1024 } }, { download: { segmentBytes: SEGMENT, maxStreams: 8, aheadBytes: 3 * SEGMENT } });
const size = 24 * SEGMENT + 1234;
let target: DownloadTarget;
let content: Buffer;

before(async () => {
  pds.emu.setFaults({ netRatePerConnection: 0 });
  const local = await randomFile(pds.tmp, size);
  content = await fs.readFile(local.file);
  const f = await pds.client.uploader.upload({ scope: { drive_id: pds.driveId }, parentId: 'root', name: 'big.bin', source: fileSource(local.file, size) });
  target = { scope: { drive_id: pds.driveId }, fileId: f.file_id, revision: f.content_hash ?? '' };
  pds.emu.setFaults({ netRatePerConnection: 1024 * 1024 });
});

test('a long range runs several GETs at once, no more than the budget allows (8 streams allowed), byte-identical', async () => {
  pds.emu.resetStats();
  const got = await readAll(await pds.client.downloader.openRange(target, 0, size - 1));
  assert.equal(sha1(got), sha1(content));
  const stats = pds.emu.stats;
  assert.equal(stats.requests['GET data'], 25, 'one GET per segment');
  // The budget holds three segments fetched ahead of the reader; with the one being read, 4 at once
  // at most. Each segment's body is read to its end, so its keep-alive connection serves a later
  // GET: the connections opened bound the GETs at once (one more for the get_download_url call).
  // The server's count of GETs at once only shows that several ran: it counts a GET until its
  // handler returns, which on a reused connection may come after the next GET on it began.
  const atOnce = stats.inFlightPeak['GET data'] ?? 0;
  assert.ok(atOnce >= 2, `GETs at once: ${atOnce}`);
  assert.ok(stats.connections <= 5, `connections opened for 25 GETs: ${stats.connections}`);
  assert.equal(pds.client.downloader.aheadBytesInUse, 0, 'the budget is given back');
});

test('the stream count is bounded by maxStreams when the budget is large', async () => {
  const roomy = pds.connect({ download: { segmentBytes: SEGMENT, maxStreams: MAX_STREAMS, aheadBytes: 64 * SEGMENT } });
  pds.emu.resetStats();
  const got = await readAll(await roomy.downloader.openRange(target, 1000, size - 1));
  assert.equal(sha1(got), sha1(content.subarray(1000)));
  // How far the count grows depends on measured throughput (adaptive-count.test.ts checks the rule
  // on a clock of its own); here only that several GETs ran and never more than the bound. A GET
  // needs a connection of its own, and a connection serves one GET after another: the connections
  // opened bound the GETs at once (one more for the get_download_url call). The server's count of
  // GETs at once is no bound here: it counts a GET until its handler returns, which on a reused
  // connection may come after the next GET on it began.
  const atOnce = pds.emu.stats.inFlightPeak['GET data'] ?? 0;
  assert.ok(atOnce >= 2, `several streams: ${atOnce}`);
  assert.ok(pds.emu.stats.connections <= MAX_STREAMS + 1, `at most ${MAX_STREAMS} GETs at once: ${pds.emu.stats.connections} connections`);
});

test('a stream above the uncapped rate runs alone, on fewer and longer GETs, byte-identical', async () => {
  // The same 8 MiB/s per connection, with the uncapped rate set far below it (256 KiB/s), as a
  // loopback stream at hundreds of MiB/s is far above the default 64 MiB/s: no probe adds a stream.
  pds.emu.setFaults({ netRatePerConnection: 8 * 1024 * 1024 });
  try {
    const fast = pds.connect({ download: { segmentBytes: SEGMENT, maxStreams: 8, aheadBytes: 3 * SEGMENT, uncappedRate: 256 * 1024 } });
    pds.emu.resetStats();
    const got = await readAll(await fast.downloader.openRange(target, 0, size - 1));
    assert.equal(sha1(got), sha1(content));
    // One connection for the get_download_url call, one for the GETs one after another.
    assert.ok(pds.emu.stats.connections <= 2, `connections opened: ${pds.emu.stats.connections}`);
    const gets = pds.emu.stats.requests['GET data'] ?? 0;
    assert.ok(gets < 25, `GETs for 25 base-size segments: ${gets}`);
  } finally {
    pds.emu.setFaults({ netRatePerConnection: 1024 * 1024 });
  }
});

test('a reader that stops early ends every GET and gives the budget back', async () => {
  pds.emu.resetStats();
  const stream = await pds.client.downloader.openRange(target, 0, size - 1);
  let n = 0;
  // Leaving the loop waits for the generator's cleanup, which waits for every GET to end.
  for await (const chunk of stream) {
    n += chunk.length;
    if (n > SEGMENT) break;
  }
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
  assert.equal(pds.client.downloader.aheadBytesInUse, 0);
  assert.ok((pds.emu.stats.requests['GET data'] ?? 0) <= 4, 'no segment was started after the reader left');
});

test('a file of a listed folder is read without a get_download_url call: first byte after one GET', async () => {
  const client = pds.connect({ download: { segmentBytes: SEGMENT, maxStreams: MAX_STREAMS } });
  const remote = new DriveRemote(client, pds.driveId);
  const entries = await collect(remote.list('root'));
  const big = entries.find((e) => e.name === 'big.bin');
  assert.ok(big);
  pds.emu.resetStats();
  const stream = await remote.openRange(big, 0, size - 1);
  assert.equal(pds.emu.stats.requests['/v2/file/get_download_url'] ?? 0, 0, 'the listing carried the URL');
  assert.equal(pds.emu.stats.requests['GET data'], 1, 'opening costs one request');
  assert.equal(sha1(await readAll(stream)), sha1(content));
});
