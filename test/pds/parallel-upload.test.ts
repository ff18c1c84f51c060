// Parallel part uploads and pre_hash rapid upload, on a local server that caps each connection.
// Counts requests and transfers at once, never time; contents are checked by SHA-1.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { test } from 'node:test';
import { createReadStream } from 'node:fs';
import { bufferSource, fileSource, streamSource } from '../../src/pds/upload-source.js';
import type { UploadSession } from '../../src/core/remote.js';
import { randomFile, sha1, startPds } from './fixture.js';

const PART = 64 * 1024; // the fixture's minPartSize
// 512 KiB/s per connection: a part takes about 1/8 s, so parts overlap whatever the machine's load.
const pds = await startPds({ faults: { netRatePerConnection: 512 * 1024 } }, { upload: { minPartSize: PART, maxParallelParts: 4, preHashMinSize: 4 * PART } });
const drive = { drive_id: pds.driveId };

test('a file source declares parallel_upload and sends several parts at once, at most the bound', async () => {
  const size = PART * 16 + 5;
  const local = await randomFile(pds.tmp, size);
  pds.emu.resetStats();
  let session: UploadSession | undefined;
  let last = 0;
  const f = await pds.client.uploader.upload({
    scope: drive, parentId: 'root', name: 'parallel.bin', source: fileSource(local.file, size),
    onSession: (s) => (session = s), onProgress: (done) => (last = done),
  });
  assert.equal(session?.parallel, true);
  assert.equal(f.content_hash?.toUpperCase(), local.sha1, 'byte-identical under the cap');
  assert.equal(last, size, 'progress reaches the size');
  const { stats } = pds.emu;
  assert.equal(stats.requests['PUT part'], 17);
  const atOnce = stats.inFlightPeak['PUT part'] ?? 0;
  assert.ok(atOnce >= 2, `parts at once: ${atOnce}`);
  assert.ok(atOnce <= 4, `at most 4 at once: ${atOnce}`);
});

test('a one-pass stream is sent in order, without parallel_upload', async () => {
  const size = PART * 5 + 1;
  const local = await randomFile(pds.tmp, size);
  pds.emu.resetStats();
  let session: UploadSession | undefined;
  const f = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'stream.bin', source: streamSource(createReadStream(local.file), size), onSession: (s) => (session = s) });
  assert.equal(f.content_hash?.toUpperCase(), local.sha1);
  assert.equal(session?.parallel, undefined);
  assert.equal(pds.emu.stats.inFlightPeak['PUT part'], 1);
});

test('maxParallelParts 1 keeps parts in order', async () => {
  const serial = pds.connect({ upload: { minPartSize: PART, maxParallelParts: 1 } });
  const data = Buffer.alloc(PART * 4, 7);
  pds.emu.resetStats();
  let session: UploadSession | undefined;
  await serial.uploader.upload({ scope: drive, parentId: 'root', name: 'serial.bin', source: bufferSource(data), onSession: (s) => (session = s) });
  assert.equal(session?.parallel, undefined);
  assert.equal(pds.emu.stats.inFlightPeak['PUT part'], 1);
});

test('a large file of unknown SHA-1 probes with pre_hash: a match becomes a rapid upload, no part sent', async () => {
  const size = PART * 6;
  const local = await randomFile(pds.tmp, size);
  await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'original.bin', source: fileSource(local.file, size), sha1: local.sha1 });
  pds.emu.resetStats();
  const copy = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'copy.bin', source: fileSource(local.file, size) });
  assert.equal(copy.content_hash?.toUpperCase(), local.sha1);
  assert.equal(pds.emu.stats.requests['/v2/file/create'], 2, 'pre_hash create (409 PreHashMatched), then content_hash create');
  assert.equal(pds.emu.stats.requests['PUT part'] ?? 0, 0, 'rapid upload: no bytes sent');
});

test('a pre_hash that matches nothing is an ordinary upload session: one create', async () => {
  const size = PART * 6;
  const local = await randomFile(pds.tmp, size);
  pds.emu.resetStats();
  const f = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'fresh.bin', source: fileSource(local.file, size) });
  assert.equal(f.content_hash?.toUpperCase(), local.sha1);
  assert.equal(pds.emu.stats.requests['/v2/file/create'], 1);
  assert.equal(pds.emu.stats.requests['PUT part'], 6);
  // Same first KiB, different content: PreHashMatched, the full SHA-1 does not match, parts are sent.
  const data = await fs.readFile(local.file);
  data.writeUInt8(data.readUInt8(size - 1) ^ 0xff, size - 1);
  pds.emu.resetStats();
  const g = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'near.bin', source: bufferSource(data) });
  assert.equal(g.content_hash?.toUpperCase(), sha1(data));
  assert.equal(pds.emu.stats.requests['/v2/file/create'], 2);
  assert.equal(pds.emu.stats.requests['PUT part'], 6);
});
