// Injected server trouble (5xx, 429 with a retry hint, connections dropped or stalled mid-body): the client
// retries and the bytes that come back are still identical.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { afterEach, test } from 'node:test';
import { collect } from '../../src/pds/paging.js';
import { PdsError } from '../../src/pds/errors.js';
import { fileSource } from '../../src/pds/upload-source.js';
import { digest, FAST_RETRY, randomFile, startPds } from './fixture.js';

const PART = 64 * 1024;
const pds = await startPds();
const drive = { drive_id: pds.driveId };

afterEach(() => pds.emu.setFaults({ rate5xx: 0, rate429: 0, latencyMs: 0, dropRate: 0, stallRate: 0 }));

async function uploadAndCompare(size: number, name: string): Promise<void> {
  const local = await randomFile(pds.tmp, size);
  const f = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name, source: fileSource(local.file, size) });
  assert.equal(f.content_hash?.toUpperCase(), local.sha1);
  const back = await digest(await pds.client.downloader.openRange({ scope: drive, fileId: f.file_id, revision: f.content_hash ?? '' }, 0, size - 1));
  assert.deepEqual(back, { sha1: local.sha1, size });
}

/**
 * Runs `round` until the server has injected a fault of `kind` (a few rounds at most): faults at a
 * random rate may miss a short round trip, and a fault test whose fault never fired tested nothing.
 */
async function untilFired(kind: keyof typeof pds.emu.faultsFired, round: (i: number) => Promise<void>): Promise<void> {
  const before = pds.emu.faultsFired[kind];
  for (let i = 0; i < 5 && pds.emu.faultsFired[kind] === before; i++) await round(i);
  assert.ok(pds.emu.faultsFired[kind] > before, `no ${kind} fault fired in five rounds`);
}

test('5xx on a fraction of requests: reads retry, the round trip is byte-identical', async () => {
  pds.emu.setFaults({ rate5xx: 0.3 });
  await untilFired('http5xx', async (i) => {
    await uploadAndCompare(PART * 6 + 11, `f5xx-${i}.bin`);
    const items = await collect(pds.client.files.iterate({ ...drive, parent_file_id: 'root' }));
    assert.ok(items.some((f) => f.name === `f5xx-${i}.bin`));
  });
});

test('429 with a retry hint is honoured and retried, even for mutations', async () => {
  pds.emu.setFaults({ rate429: 0.4, retryAfterMs: 5 });
  await untilFired('http429', async (i) => {
    await uploadAndCompare(PART * 3, `f429-${i}.bin`);
    const r = await pds.client.uploads.create({ ...drive, parent_file_id: 'root', name: `dir429-${i}`, type: 'folder', check_name_mode: 'refuse' });
    assert.ok(r.file_id);
  });
});

test('under a persistent 429 an upload gives up after one request per attempt of the retry budget', async () => {
  pds.emu.setFaults({ rate429: 1, retryAfterMs: 1 });
  const creates = () => pds.emu.stats.requests['/v2/file/create'] ?? 0;
  const before = creates();
  const local = await randomFile(pds.tmp, 1000);
  await assert.rejects(
    pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'throttled.bin', source: fileSource(local.file, 1000) }),
    (e: unknown) => e instanceof PdsError && e.status === 429,
  );
  // One retry layer: maxAttempts requests, not maxAttempts of maxAttempts.
  assert.equal(creates() - before, FAST_RETRY.maxAttempts);
});

test('connections dropped mid-body: uploads re-send parts, downloads resume, bytes identical', async () => {
  pds.emu.setFaults({ dropRate: 0.3 });
  await untilFired('drops', (i) => uploadAndCompare(PART * 8 + 1, `fdrop-${i}.bin`));
});

/** A file of `size` random bytes on the server, and the download target for it. */
async function uploadedFile(name: string, size: number) {
  const local = await randomFile(pds.tmp, size);
  const f = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name, source: fileSource(local.file, size) });
  return { local, size, target: { scope: drive, fileId: f.file_id, revision: f.content_hash ?? '' } };
}

const dataGets = () => pds.emu.stats.requests['GET data'] ?? 0;

test('a download cut mid-body resumes where it stopped instead of starting over', async () => {
  const { local, size, target } = await uploadedFile('cut.bin', PART * 4);
  const gets = dataGets();
  const served = pds.emu.stats.bytesDownloaded;
  pds.emu.setFaults({ dropRate: 1 });
  const stream = await pds.client.downloader.openRange(target, 0, size - 1);
  pds.emu.setFaults({ dropRate: 0 });
  assert.deepEqual(await digest(stream), { sha1: local.sha1, size });
  assert.ok(dataGets() - gets >= 2, 'the first answer was cut');
  assert.ok(pds.emu.stats.bytesDownloaded - served < size * 1.5, 'resumed, not restarted');
});

test('a download that goes silent mid-body times out and resumes from where it stopped', async (t) => {
  const { local, size, target } = await uploadedFile('stall.bin', PART * 4);
  const quick = pds.connect({ download: { idleTimeoutMs: 300 } });
  t.after(() => quick.close());
  const gets = dataGets();
  pds.emu.setFaults({ stallRate: 1 });
  const t0 = Date.now();
  const stream = await quick.downloader.openRange(target, 0, size - 1);
  pds.emu.setFaults({ stallRate: 0 });
  assert.deepEqual(await digest(stream), { sha1: local.sha1, size });
  assert.equal(dataGets() - gets, 2, 'one stalled GET, one resumed GET');
  assert.ok(Date.now() - t0 >= 300, 'it waited for the idle timeout');
});

test('a consumer that holds a chunk longer than the idle timeout is not cut off', async (t) => {
  const { local, size, target } = await uploadedFile('slow-reader.bin', PART * 4);
  const quick = pds.connect({ download: { idleTimeoutMs: 200 } });
  t.after(() => quick.close());
  const gets = dataGets();
  const chunks: Buffer[] = [];
  for await (const c of await quick.downloader.openRange(target, 0, size - 1)) {
    chunks.push(c);
    if (chunks.length <= 2) await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(Buffer.concat(chunks).equals(await fs.readFile(local.file)));
  assert.equal(dataGets() - gets, 1, 'one GET, never restarted');
});

test('when faults persist, the error surfaces after the retry budget', async () => {
  pds.emu.setFaults({ rate5xx: 1 });
  await assert.rejects(pds.client.users.get(), (e: unknown) => e instanceof PdsError && e.status >= 500);
});
