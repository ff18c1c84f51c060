// Part-level recovery: an expired part URL is renewed through get_upload_url, and a part that is
// already stored (409) is reconciled through list_uploaded_parts.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import axios from 'axios';
import { fileSource, streamSource, type UploadSource } from '../../src/pds/upload-source.js';
import { randomFile, startPds } from './fixture.js';

const PART = 64 * 1024;
const pds = await startPds({ uploadUrlTtlSec: 1 });
const drive = { drive_id: pds.driveId };

test('an expired part URL is renewed and the part re-sent', async () => {
  const size = PART * 2;
  const local = await randomFile(pds.tmp, size);
  const data = await fs.readFile(local.file);
  // The second part arrives late: its URL (issued by file/create) has expired by then.
  async function* slow(): AsyncGenerator<Buffer> {
    yield data.subarray(0, PART);
    await new Promise((r) => setTimeout(r, 2100));
    yield data.subarray(PART);
  }
  const before = pds.emu.stats.requests['/v2/file/get_upload_url'] ?? 0;
  const f = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'late.bin', source: streamSource(Readable.from(slow()), size) });
  assert.equal(f.content_hash?.toUpperCase(), local.sha1);
  assert.ok((pds.emu.stats.requests['/v2/file/get_upload_url'] ?? 0) - before >= 1);
});

test('a part already stored (409) is taken from list_uploaded_parts', async () => {
  const size = PART * 3;
  const local = await randomFile(pds.tmp, size);
  const data = await fs.readFile(local.file);
  const puts = pds.emu.stats.requests['PUT part'] ?? 0;
  // Someone else stores part 1 before the uploader sends it (as after a lost PUT answer): the
  // uploader's read of part 1 waits for that.
  let othersPut: Promise<void> = Promise.resolve();
  const file = fileSource(local.file, size);
  const gated: UploadSource = {
    size,
    random: false,
    async part(start, end) {
      await othersPut;
      return file.part(start, end);
    },
  };
  const f = await pds.client.uploader.upload({
    scope: drive, parentId: 'root', name: 'raced.bin', source: gated,
    onSession: (s) => {
      othersPut = (async () => {
        const urls = await pds.client.uploads.getUploadUrl({ ...drive, file_id: s.fileId, upload_id: s.uploadId, part_info_list: [{ part_number: 1 }] });
        const res = await axios.put(urls.part_info_list[0]?.upload_url ?? '', data.subarray(0, PART), { headers: { 'content-type': false } });
        assert.equal(res.status, 200);
      })();
    },
  });
  await othersPut;
  assert.equal(f.content_hash?.toUpperCase(), local.sha1);
  assert.equal((pds.emu.stats.requests['PUT part'] ?? 0) - puts, 4, 'the other writer, the refused part 1, parts 2 and 3');
});
