import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { before, test } from 'node:test';
import { PdsError } from '../../src/pds/errors.js';
import { fileSource } from '../../src/pds/upload-source.js';
import type { DownloadTarget } from '../../src/pds/download.js';
import { randomFile, readAll, startPds } from './fixture.js';

const pds = await startPds();
let target: DownloadTarget;
let content: Buffer;

before(async () => {
  const size = 300_001;
  const local = await randomFile(pds.tmp, size);
  content = await fs.readFile(local.file);
  const f = await pds.client.uploader.upload({ scope: { drive_id: pds.driveId }, parentId: 'root', name: 'dl.bin', source: fileSource(local.file, size) });
  target = { scope: { drive_id: pds.driveId }, fileId: f.file_id, revision: f.content_hash ?? '' };
});

test('ranged reads return exactly the requested bytes', async () => {
  const ranges: [number, number][] = [[0, 0], [0, 99], [1000, 250_000], [content.length - 1, content.length - 1], [0, content.length - 1]];
  for (const [start, end] of ranges) {
    const got = await readAll(await pds.client.downloader.openRange(target, start, end));
    assert.ok(got.equals(content.subarray(start, end + 1)), `bytes ${start}-${end}`);
  }
  assert.equal((await readAll(await pds.client.downloader.openRange(target, 10, 9))).length, 0);
});

test('the download URL is cached per file and revision', async () => {
  const before = pds.emu.stats.requests['/v2/file/get_download_url'] ?? 0;
  const other = { ...target, revision: `${target.revision}-x` };
  await readAll(await pds.client.downloader.openRange(other, 0, 10));
  await readAll(await pds.client.downloader.openRange(other, 11, 20));
  await readAll(await pds.client.downloader.openRange(other, 21, 30));
  assert.equal((pds.emu.stats.requests['/v2/file/get_download_url'] ?? 0) - before, 1);
});

test('a content hash that no longer matches is refused (RevisionChanged)', async () => {
  const stale = { ...target, revision: '0'.repeat(40) };
  await assert.rejects(pds.client.downloader.openRange(stale, 0, 10), (e: unknown) => e instanceof PdsError && e.code === 'RevisionChanged');
});

test('a missing file rejects at open with NotFound', async () => {
  const missing = { ...target, fileId: 'does-not-exist', revision: '' };
  await assert.rejects(pds.client.downloader.openRange(missing, 0, 10), (e: unknown) => e instanceof PdsError && e.status === 404);
});

test('a consumer that stops early ends the download', async () => {
  const stream = await pds.client.downloader.openRange(target, 0, content.length - 1);
  for await (const chunk of stream) {
    assert.ok(chunk.length > 0);
    break; // for-await ends the iteration, and with it the GET
  }
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
});

test('an expiring URL is renewed before it runs out', async () => {
  const shortLived = pds.connect({ download: { urlExpireSec: 1 } });
  const before = pds.emu.stats.requests['/v2/file/get_download_url'] ?? 0;
  const first = await readAll(await shortLived.downloader.openRange(target, 0, 999));
  await new Promise((r) => setTimeout(r, 1200));
  const second = await readAll(await shortLived.downloader.openRange(target, 1000, 1999));
  assert.ok(Buffer.concat([first, second]).equals(content.subarray(0, 2000)));
  assert.equal((pds.emu.stats.requests['/v2/file/get_download_url'] ?? 0) - before, 2);
});
