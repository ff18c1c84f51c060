// Download URLs (Range, 416, HEAD, expiry), quota, and persistence across a restart.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pds, startEmulator, type PdsAnswer, type StartedEmulator } from '../helpers/emulator.js';
import { readFile, sha1Hex, uploadFile } from './support.js';

describe('downloads', () => {
  let e: StartedEmulator;
  let call: (path: string, body: Record<string, unknown>) => Promise<PdsAnswer>;
  const data = randomBytes(10_000);
  let fileId: string;
  before(async () => {
    e = await startEmulator();
    call = (p, body) => pds(e.endpoint, e.account.access_token, p, { drive_id: e.account.drive_id, ...body });
    fileId = (await uploadFile(e, 'root', 'data.bin', data)).file_id;
  });
  after(() => e.close());

  it('returns a signed URL answering GET, Range, 416 and HEAD', async () => {
    const u = await call('file/get_download_url', { file_id: fileId });
    assert.equal(u.body.method, 'GET');
    assert.equal(u.body.size, data.length);
    assert.ok(Date.parse(u.body.expiration) - Date.now() <= 900_000);
    assert.ok(Date.parse(u.body.expiration) - Date.now() > 800_000);

    const full = await fetch(u.body.url);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.equal(full.headers.get('content-length'), String(data.length));
    assert.ok(full.headers.get('etag'));
    assert.ok(full.headers.get('x-ca-request-id'));
    assert.ok(Buffer.from(await full.arrayBuffer()).equals(data));

    const mid = await fetch(u.body.url, { headers: { range: 'bytes=100-199' } });
    assert.equal(mid.status, 206);
    assert.equal(mid.headers.get('content-range'), `bytes 100-199/${data.length}`);
    assert.equal(mid.headers.get('content-length'), '100');
    assert.ok(Buffer.from(await mid.arrayBuffer()).equals(data.subarray(100, 200)));
    const tail = await fetch(u.body.url, { headers: { range: 'bytes=-10' } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(data.subarray(-10)));
    const open = await fetch(u.body.url, { headers: { range: 'bytes=9990-' } });
    assert.equal(open.headers.get('content-range'), `bytes 9990-9999/${data.length}`);
    await open.arrayBuffer();
    const past = await fetch(u.body.url, { headers: { range: 'bytes=10000-' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${data.length}`);
    assert.match(await past.text(), /InvalidRange/);

    const head = await fetch(u.body.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(data.length));
    assert.equal(head.headers.get('etag'), full.headers.get('etag'));
    assert.equal(e.emu.stats.requests['HEAD data'], 1);
  });

  it('honours expire_sec and refuses expired or forged URLs', async () => {
    const long = await call('file/get_download_url', { file_id: fileId, expire_sec: 115200 });
    assert.ok(Date.parse(long.body.expiration) - Date.now() > 115_000_000);
    assert.equal((await call('file/get_download_url', { file_id: fileId, expire_sec: 115201 })).body.code, 'InvalidParameter.ExpireSec');
    const short = await call('file/get_download_url', { file_id: fileId, expire_sec: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await fetch(short.body.url);
    assert.equal(expired.status, 403);
    const xml = await expired.text();
    assert.match(xml, /<Code>AccessDenied<\/Code>/);
    assert.match(xml, /Request has expired/);
    const forged = await fetch(long.body.url.replace(/x-oss-signature=[^&]+/, 'x-oss-signature=abc'));
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /SignatureDoesNotMatch/);
  });

  it('sets a download file name and refuses folders', async () => {
    const u = await call('file/get_download_url', { file_id: fileId, file_name: 'résumé.bin' });
    const res = await fetch(u.body.url, { method: 'HEAD' });
    assert.match(res.headers.get('content-disposition') ?? '', /filename\*=UTF-8''r%C3%A9sum%C3%A9\.bin/);
    const folder = await call('file/create', { parent_file_id: 'root', name: 'dir', type: 'folder' });
    assert.equal((await call('file/get_download_url', { file_id: folder.body.file_id })).status, 400);
  });
});

describe('quota', () => {
  let e: StartedEmulator;
  before(async () => {
    e = await startEmulator({ driveQuotaBytes: 1000 });
  });
  after(() => e.close());

  it('keeps used_size up to date and answers QuotaExhausted.Drive when full', async () => {
    const call = (p: string, body: Record<string, unknown>) => pds(e.endpoint, e.account.access_token, p, { drive_id: e.account.drive_id, ...body });
    const used = async () => (await call('drive/get', {})).body.used_size;
    assert.equal((await call('drive/get', {})).body.total_size, 1000);
    const tooBig = await call('file/create', { parent_file_id: 'root', name: 'big', type: 'file', size: 1001 });
    assert.equal(tooBig.status, 400);
    assert.equal(tooBig.body.code, 'QuotaExhausted.Drive');
    const a = await uploadFile(e, 'root', 'a', randomBytes(600));
    assert.equal(await used(), 600);
    assert.equal((await call('file/create', { parent_file_id: 'root', name: 'b', type: 'file', size: 500 })).body.code, 'QuotaExhausted.Drive');
    assert.equal((await call('file/copy', { file_id: a.file_id, to_parent_file_id: 'root' })).body.code, 'QuotaExhausted.Drive');
    await call('recyclebin/trash', { file_id: a.file_id });
    assert.equal(await used(), 600, 'trashed files still count');
    await call('file/delete', { file_id: a.file_id });
    assert.equal(await used(), 0);
    await uploadFile(e, 'root', 'b', randomBytes(500));
    assert.equal(await used(), 500);
  });
});

describe('restart', () => {
  it('keeps accounts, files, content and tokens across a restart', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-emu-restart-'));
    try {
      const first = await startEmulator({ dataDir });
      const data = randomBytes(5000);
      const f = await uploadFile(first, 'root', 'kept.bin', data, { partSize: 2000 });
      const pending = await pds(first.endpoint, first.account.access_token, 'file/create', { drive_id: first.account.drive_id, parent_file_id: 'root', name: 'half', type: 'file', size: 4 });
      await fetch(pending.body.part_info_list[0].upload_url, { method: 'PUT', body: new Uint8Array(Buffer.from('half')) });
      await assert.rejects(startEmulator({ dataDir }), /in use/, 'one server per data dir');
      await first.close();

      const second = await startEmulator({ dataDir });
      try {
        assert.equal(second.account.domain_id, first.account.domain_id);
        assert.equal(second.account.user_id, first.account.user_id);
        assert.equal(second.account.client_id, first.account.client_id);
        const got = await pds(second.endpoint, first.account.access_token, 'file/get', { drive_id: first.account.drive_id, file_id: f.file_id });
        assert.equal(got.status, 200, 'an access token from before the restart still works');
        assert.equal(got.body.content_hash, f.content_hash);
        assert.ok((await readFile(second, f.file_id)).equals(data));
        const parts = await pds(second.endpoint, second.account.access_token, 'file/list_uploaded_parts', { drive_id: first.account.drive_id, file_id: pending.body.file_id, upload_id: pending.body.upload_id });
        assert.deepEqual(parts.body.uploaded_parts.map((p: any) => p.part_number), [1], 'an open upload resumes after a restart');
        // Hashes taken while a part arrived live in memory only: after a restart complete reads the part.
        const done = await pds(second.endpoint, second.account.access_token, 'file/complete', { drive_id: first.account.drive_id, file_id: pending.body.file_id, upload_id: pending.body.upload_id });
        assert.equal(done.body.content_hash, sha1Hex(Buffer.from('half')));
        assert.equal(second.emu.stats.bytesReadBack, 4);
        const drive = await pds(second.endpoint, second.account.access_token, 'drive/get', { drive_id: first.account.drive_id });
        assert.equal(drive.body.used_size, 5004);
      } finally {
        await second.close();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
