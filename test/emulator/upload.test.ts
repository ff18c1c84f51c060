// The upload protocol of the local PDS server: sessions, signed part URLs, order rules, complete,
// rapid upload, pre_hash, overwrite.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pds, startEmulator, type PdsAnswer, type StartedEmulator } from '../helpers/emulator.js';
import { bytes, mkdir, readFile, sha1Hex, uploadFile } from './support.js';

const put = (url: string, data: Buffer, headers: Record<string, string> = {}) => fetch(url, { method: 'PUT', body: bytes(data), headers });

describe('uploads', () => {
  let e: StartedEmulator;
  let call: (path: string, body: Record<string, unknown>) => Promise<PdsAnswer>;
  let dir: string;
  before(async () => {
    e = await startEmulator();
    call = (path, body) => pds(e.endpoint, e.account.access_token, path, { drive_id: e.account.drive_id, ...body });
    dir = await mkdir(e, 'root', 'uploads');
  });
  after(() => e.close());

  const session = async (name: string, size: number, parts: number, extra: Record<string, unknown> = {}) => {
    const r = await call('file/create', { parent_file_id: dir, name, type: 'file', size, part_info_list: Array.from({ length: parts }, (_, i) => ({ part_number: i + 1 })), ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };

  it('uploads 0 B, 1 B, exactly one part and many parts with the right hash', async () => {
    for (const [name, data, partSize] of [
      ['empty', Buffer.alloc(0), 1],
      ['one-byte', Buffer.from('z'), 1],
      ['one-part', randomBytes(256 * 1024), 256 * 1024],
      ['many-parts', randomBytes(1024 * 1024 + 17), 100 * 1024],
    ] as const) {
      const f = await uploadFile(e, dir, name, data, { partSize });
      assert.equal(f.status, 'available');
      assert.equal(f.size, data.length);
      assert.equal(f.content_hash, sha1Hex(data), name);
      assert.equal(f.content_hash_name, 'sha1');
      assert.ok(f.revision_id);
      assert.ok((await readFile(e, f.file_id)).equals(data), name);
    }
    // An empty file can also be completed without any PUT.
    const s = await session('empty-no-put', 0, 1);
    const done = await call('file/complete', { file_id: s.file_id, upload_id: s.upload_id });
    assert.equal(done.body.content_hash, 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709');
  });

  it('hashes a whole file sent in one part as it arrives: complete reads no part back', async () => {
    const before = e.emu.stats.bytesReadBack;
    const one = randomBytes(40 * 1024);
    const f = await uploadFile(e, dir, 'hashed-on-arrival', one);
    assert.equal(f.content_hash, sha1Hex(one));
    assert.equal(e.emu.stats.bytesReadBack, before, 'the one part was not read again');
    assert.ok((await readFile(e, f.file_id)).equals(one));
    // A file in several parts is still hashed by reading them back in order at complete.
    const many = randomBytes(30 * 1024 + 5);
    const g = await uploadFile(e, dir, 'hashed-at-complete', many, { partSize: 10 * 1024 });
    assert.equal(g.content_hash, sha1Hex(many));
    assert.equal(e.emu.stats.bytesReadBack, before + many.length);
    // The pre_hash of a one-part upload (its first KiB, kept per blob) still matches.
    const probe = await call('file/create', { parent_file_id: dir, name: 'probe', type: 'file', size: one.length, pre_hash: sha1Hex(one.subarray(0, 1024)) });
    assert.equal(probe.body.code, 'PreHashMatched');
  });

  it('refuses parts out of order unless parallel_upload, and a second PUT of a stored part', async () => {
    const data = randomBytes(300);
    const seq = await session('seq', 300, 3);
    const early = await put(seq.part_info_list[1].upload_url, data.subarray(100, 200));
    assert.equal(early.status, 400);
    const xml = await early.text();
    assert.match(xml, /<Code>PartNotSequential<\/Code>/);
    assert.match(xml, /<RequestId>[0-9A-F-]+<\/RequestId>/);
    assert.ok(early.headers.get('x-ca-request-id'));
    const p1 = await put(seq.part_info_list[0].upload_url, data.subarray(0, 100));
    assert.equal(p1.status, 200);
    assert.match(p1.headers.get('etag') ?? '', /^"[0-9A-F]{32}"$/);
    const again = await put(seq.part_info_list[0].upload_url, data.subarray(0, 100));
    assert.equal(again.status, 409);
    assert.match(await again.text(), /PartAlreadyExist/);

    const par = await session('parallel', 300, 3, { parallel_upload: true });
    for (const i of [2, 0, 1]) assert.equal((await put(par.part_info_list[i].upload_url, data.subarray(i * 100, i * 100 + 100))).status, 200);
    const done = await call('file/complete', { file_id: par.file_id, upload_id: par.upload_id });
    assert.equal(done.body.content_hash, sha1Hex(data));
  });

  it('lists uploaded parts with paging, refreshes URLs, and forgets the session after complete', async () => {
    const data = randomBytes(5 * 10);
    const s = await session('resume', data.length, 5);
    const etags: string[] = [];
    for (let i = 0; i < 3; i++) etags.push((await put(s.part_info_list[i].upload_url, data.subarray(i * 10, i * 10 + 10))).headers.get('etag') ?? '');
    const page1 = await call('file/list_uploaded_parts', { file_id: s.file_id, upload_id: s.upload_id, limit: 2 });
    assert.deepEqual(page1.body.uploaded_parts.map((p: any) => [p.part_number, p.part_size, p.etag]), [[1, 10, etags[0]], [2, 10, etags[1]]]);
    assert.equal(page1.body.next_part_number_marker, '2');
    assert.equal(page1.body.parallel_upload, false);
    const page2 = await call('file/list_uploaded_parts', { file_id: s.file_id, upload_id: s.upload_id, part_number_marker: page1.body.next_part_number_marker });
    assert.deepEqual(page2.body.uploaded_parts.map((p: any) => p.part_number), [3]);
    assert.equal(page2.body.next_part_number_marker, '');

    const short = await call('file/complete', { file_id: s.file_id, upload_id: s.upload_id });
    assert.equal(short.status, 400);
    assert.equal(short.body.code, 'InvalidParameter.Size');

    const fresh = await call('file/get_upload_url', { file_id: s.file_id, upload_id: s.upload_id, part_info_list: [{ part_number: 4 }, { part_number: 5 }] });
    assert.deepEqual(fresh.body.part_info_list.map((p: any) => p.part_number), [4, 5]);
    for (const [i, p] of fresh.body.part_info_list.entries()) etags.push((await put(p.upload_url, data.subarray(30 + i * 10, 40 + i * 10))).headers.get('etag') ?? '');
    const badEtag = await call('file/complete', { file_id: s.file_id, upload_id: s.upload_id, part_info_list: [{ part_number: 1, etag: '"00"' }] });
    assert.equal(badEtag.body.code, 'InvalidParameter.PartInfoList');
    const done = await call('file/complete', { file_id: s.file_id, upload_id: s.upload_id, part_info_list: etags.map((etag, i) => ({ part_number: i + 1, etag })) });
    assert.equal(done.status, 200);
    assert.equal(done.body.content_hash, sha1Hex(data));

    for (const path of ['file/get_upload_url', 'file/list_uploaded_parts', 'file/complete']) {
      const gone = await call(path, { file_id: s.file_id, upload_id: s.upload_id, part_info_list: [{ part_number: 1 }] });
      assert.equal(gone.status, 404, path);
      assert.equal(gone.body.code, 'NotFound.UploadId', path);
    }
  });

  it('guards part URLs: signature, Content-Type, size', async () => {
    const s = await session('guarded', 10, 1);
    const url = new URL(s.part_info_list[0].upload_url);
    url.searchParams.set('x-oss-expires', String(Number(url.searchParams.get('x-oss-expires')) + 3600));
    const forged = await put(url.toString(), Buffer.alloc(10));
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /SignatureDoesNotMatch/);
    const typed = await put(s.part_info_list[0].upload_url, Buffer.alloc(10), { 'content-type': 'application/octet-stream' });
    assert.equal(typed.status, 403);
    assert.match(await typed.text(), /SignatureDoesNotMatch/);
    const big = await put(s.part_info_list[0].upload_url, Buffer.alloc(11));
    assert.equal(big.status, 400);
    assert.match(await big.text(), /EntityTooLarge/);
    assert.equal((await put(s.part_info_list[0].upload_url, Buffer.alloc(10))).status, 200);
  });

  it('checks a declared content_hash at complete', async () => {
    const s = await session('liar', 3, 1, { content_hash: sha1Hex(Buffer.from('abd')), content_hash_name: 'sha1' });
    assert.equal(s.rapid_upload, false);
    await put(s.part_info_list[0].upload_url, Buffer.from('abc'));
    const r = await call('file/complete', { file_id: s.file_id, upload_id: s.upload_id });
    assert.equal(r.body.code, 'InvalidParameter.ContentHash');
  });

  it('rapid-uploads known content without any part transfer', async () => {
    const data = randomBytes(4096);
    await uploadFile(e, dir, 'original.bin', data);
    e.emu.resetStats();
    const r = await call('file/create', {
      parent_file_id: dir, name: 'copy.bin', type: 'file', size: data.length, content_hash: sha1Hex(data).toLowerCase(), content_hash_name: 'sha1',
    });
    assert.equal(r.body.rapid_upload, true);
    assert.equal(r.body.status, 'available');
    assert.equal(r.body.part_info_list, undefined);
    assert.equal(e.emu.stats.requests['PUT part'], undefined);
    assert.equal(e.emu.stats.bytesUploaded, 0);
    assert.ok((await readFile(e, r.body.file_id)).equals(data));
    const wrongSize = await call('file/create', { parent_file_id: dir, name: 'no.bin', type: 'file', size: 1, content_hash: sha1Hex(data) });
    assert.equal(wrongSize.body.rapid_upload, false);
    assert.ok(wrongSize.body.upload_id);
  });

  it('answers a matching pre_hash with 409 PreHashMatched and opens a session otherwise', async () => {
    const data = randomBytes(3000);
    await uploadFile(e, dir, 'pre.bin', data);
    const matched = await call('file/create', { parent_file_id: dir, name: 'pre2.bin', type: 'file', size: data.length, pre_hash: sha1Hex(data.subarray(0, 1024)) });
    assert.equal(matched.status, 409);
    assert.equal(matched.body.code, 'PreHashMatched');
    const other = await call('file/create', { parent_file_id: dir, name: 'pre3.bin', type: 'file', size: data.length, pre_hash: sha1Hex(randomBytes(1024)) });
    assert.equal(other.status, 201);
    assert.ok(other.body.upload_id);
  });

  it('overwrites by file_id: old content stays visible until complete, then a new revision', async () => {
    const v1 = Buffer.from('version one');
    const v2 = Buffer.from('version two!');
    const f = await uploadFile(e, dir, 'doc.txt', v1);
    const oldUrl = (await call('file/get_download_url', { file_id: f.file_id })).body.url;
    const s = await session('ignored-name', v2.length, 1, { file_id: f.file_id });
    assert.equal(s.file_id, f.file_id);
    await put(s.part_info_list[0].upload_url, v2);
    const mid = await call('file/get', { file_id: f.file_id });
    assert.equal(mid.body.content_hash, sha1Hex(v1));
    assert.ok((await readFile(e, f.file_id)).equals(v1));
    const done = await call('file/complete', { file_id: f.file_id, upload_id: s.upload_id });
    assert.equal(done.body.file_id, f.file_id);
    assert.equal(done.body.name, 'doc.txt');
    assert.notEqual(done.body.revision_id, f.revision_id);
    assert.ok((await readFile(e, f.file_id)).equals(v2));
    assert.ok(Buffer.from(await (await fetch(oldUrl)).arrayBuffer()).equals(v1), 'an old URL keeps its bytes');
    const drive = await pds(e.endpoint, e.account.access_token, 'drive/get', { drive_id: e.account.drive_id });
    const listed = await call('file/list', { parent_file_id: dir, limit: 100 });
    const total = listed.body.items.reduce((sum: number, i: any) => sum + (i.size ?? 0), 0);
    assert.equal(drive.body.used_size, total, 'used_size follows overwrites');
  });

  it('answers refuse with exist:true and no new object', async () => {
    const f = await uploadFile(e, dir, 'taken.txt', Buffer.from('1'));
    const r = await call('file/create', { parent_file_id: dir, name: 'taken.txt', type: 'file', size: 5, check_name_mode: 'refuse' });
    assert.equal(r.body.exist, true);
    assert.equal(r.body.file_id, f.file_id);
    assert.equal(r.body.upload_id, undefined);
    const listed = await call('file/list', { parent_file_id: dir, status: 'uploading', limit: 100 });
    assert.ok(!listed.body.items.some((i: any) => i.name === 'taken.txt'));
  });
});

describe('upload URL expiry', () => {
  let e: StartedEmulator;
  before(async () => {
    e = await startEmulator({ uploadUrlTtlSec: 1 });
  });
  after(() => e.close());

  it('refuses an expired part URL with AccessDenied until get_upload_url refreshes it', async () => {
    const call = (path: string, body: Record<string, unknown>) => pds(e.endpoint, e.account.access_token, path, { drive_id: e.account.drive_id, ...body });
    const s = (await call('file/create', { parent_file_id: 'root', name: 'slow.bin', type: 'file', size: 4 })).body;
    await new Promise((r) => setTimeout(r, 2100));
    const late = await put(s.part_info_list[0].upload_url, Buffer.from('abcd'));
    assert.equal(late.status, 403);
    const xml = await late.text();
    assert.match(xml, /<Code>AccessDenied<\/Code>/);
    assert.match(xml, /expired/);
    const fresh = await call('file/get_upload_url', { file_id: s.file_id, upload_id: s.upload_id, part_info_list: [{ part_number: 1 }] });
    assert.equal((await put(fresh.body.part_info_list[0].upload_url, Buffer.from('abcd'))).status, 200);
    assert.equal((await call('file/complete', { file_id: s.file_id, upload_id: s.upload_id })).status, 200);
  });
});
