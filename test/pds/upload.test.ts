import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { test } from 'node:test';
import { PdsError } from '../../src/pds/errors.js';
import { vfsCodeOf } from '../../src/pds/error-map.js';
import { fileSource, planParts, streamSource, MAX_PARTS } from '../../src/pds/upload-source.js';
import type { UploadSession } from '../../src/core/remote.js';
import type { PdsFile } from '../../src/pds/wire-types.js';
import { digest, randomFile, startPds } from './fixture.js';

const PART = 64 * 1024; // the fixture's minPartSize
const pds = await startPds();
const drive = { drive_id: pds.driveId };

async function download(f: PdsFile): Promise<{ sha1: string; size: number }> {
  return digest(await pds.client.downloader.openRange({ scope: drive, fileId: f.file_id, revision: f.content_hash ?? '' }, 0, (f.size ?? 0) - 1));
}

async function roundTrip(size: number, name: string): Promise<{ file: PdsFile; session: UploadSession | undefined }> {
  const local = await randomFile(pds.tmp, size);
  let session: UploadSession | undefined;
  const file = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name, source: fileSource(local.file, size), onSession: (s) => (session = s) });
  assert.equal(file.size, size);
  assert.equal(file.content_hash?.toUpperCase(), local.sha1);
  assert.deepEqual(await download(file), { sha1: local.sha1, size });
  return { file, session };
}

test('part plan: at least the minimum, at most 10,000 parts', () => {
  assert.deepEqual(planParts(0, PART), { partSize: PART, partCount: 1 });
  assert.deepEqual(planParts(PART, PART), { partSize: PART, partCount: 1 });
  assert.deepEqual(planParts(PART + 1, PART), { partSize: PART, partCount: 2 });
  const huge = planParts(2 ** 40, 8 * 1024 * 1024);
  assert.ok(huge.partCount <= MAX_PARTS && huge.partSize * huge.partCount >= 2 ** 40);
});

test('uploads of 0 B and 1 B', async () => {
  const empty = await roundTrip(0, 'empty.bin');
  assert.equal(empty.file.content_hash?.toUpperCase(), 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709');
  await roundTrip(1, 'one-byte.bin');
});

test('an upload of exactly one part', async () => {
  const { session } = await roundTrip(PART, 'one-part.bin');
  assert.equal(session?.partCount, 1);
});

test('an upload of many parts reports progress up to the size', async () => {
  const size = PART * 5 + 123;
  const local = await randomFile(pds.tmp, size);
  let last = 0;
  let session: UploadSession | undefined;
  const file = await pds.client.uploader.upload({
    scope: drive, parentId: 'root', name: 'many.bin', source: fileSource(local.file, size),
    onSession: (s) => (session = s), onProgress: (done, total) => { assert.equal(total, size); last = done; },
  });
  assert.equal(session?.partCount, 6);
  assert.equal(last, size);
  assert.equal(file.content_hash?.toUpperCase(), local.sha1);
  assert.equal((await download(file)).sha1, local.sha1);
});

test('a one-pass stream of known size uploads part by part', async () => {
  const size = PART * 3 + 7;
  const local = await randomFile(pds.tmp, size);
  const file = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'streamed.bin', source: streamSource(createReadStream(local.file), size) });
  assert.equal(file.content_hash?.toUpperCase(), local.sha1);
});

test('rapid upload by SHA-1 transfers no part bytes', async () => {
  const size = PART * 2 + 5;
  const local = await randomFile(pds.tmp, size);
  const first = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'orig.bin', source: fileSource(local.file, size) });
  const bytesBefore = pds.emu.stats.bytesUploaded;
  const second = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'rapid.bin', sha1: local.sha1, source: fileSource(local.file, size) });
  assert.equal(pds.emu.stats.bytesUploaded, bytesBefore);
  assert.notEqual(second.file_id, first.file_id);
  assert.deepEqual([second.name, second.size, second.content_hash], ['rapid.bin', size, first.content_hash]);
});

test('a taken name is refused (EEXIST); replaceId writes a new revision under the same id', async () => {
  const a = await randomFile(pds.tmp, 100);
  const b = await randomFile(pds.tmp, 300);
  const orig = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'same.txt', source: fileSource(a.file, 100) });
  await assert.rejects(
    pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'same.txt', source: fileSource(b.file, 300) }),
    (e: unknown) => e instanceof PdsError && vfsCodeOf(e) === 'EEXIST',
  );
  const replaced = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'same.txt', replaceId: orig.file_id, mtime: Date.UTC(2021, 0, 1), source: fileSource(b.file, 300) });
  assert.equal(replaced.file_id, orig.file_id);
  assert.equal(replaced.content_hash?.toUpperCase(), b.sha1);
  assert.equal(Date.parse(replaced.local_modified_at ?? ''), Date.UTC(2021, 0, 1));
  assert.equal((await download(replaced)).sha1, b.sha1);
});

test('an interrupted upload resumes from list_uploaded_parts and re-sends less', async () => {
  const size = PART * 10;
  const local = await randomFile(pds.tmp, size);
  let session: UploadSession | undefined;
  const start = pds.emu.stats.bytesUploaded;
  // The source fails from part 6 on: parts go several at once (a file source is sent in parallel),
  // and the upload rejects only once the parts in flight have ended, so parts 1-5 are stored and
  // nothing is still arriving at the server when the counts below are taken.
  const source = fileSource(local.file, size);
  const failing = { ...source, part: async (s: number, e: number) => {
    if (s >= PART * 5) throw new Error('source read failed');
    return source.part(s, e);
  } };
  await assert.rejects(
    pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'resumed.bin', source: failing, onSession: (s) => (session = s) }),
    /source read failed/,
  );
  assert.ok(session);
  assert.equal(session.parallel, true);
  assert.equal(pds.emu.stats.bytesUploaded - start, PART * 5);
  const parts = await pds.client.uploads.listUploadedParts({ ...drive, file_id: session.fileId, upload_id: session.uploadId });
  assert.deepEqual(parts.uploaded_parts.map((p) => p.part_number).sort((a, b) => a - b), [1, 2, 3, 4, 5]);
  const resumedAt = pds.emu.stats.bytesUploaded;
  const file = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'resumed.bin', source: fileSource(local.file, size), resume: session });
  const secondRun = pds.emu.stats.bytesUploaded - resumedAt;
  assert.ok(secondRun < size, `re-sent ${secondRun} of ${size}`);
  assert.equal(secondRun, size - parts.uploaded_parts.length * PART);
  assert.equal(file.file_id, session.fileId);
  assert.equal((await download(file)).sha1, local.sha1);
  // Resuming a finished session returns the finished file instead of uploading again.
  const again = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'resumed.bin', source: fileSource(local.file, size), resume: session, sha1: local.sha1 });
  assert.equal(again.file_id, file.file_id);
});
