// File revisions (file/revision/list, get, restore, delete; get_download_url with revision_id) and
// image_media_metadata from the EXIF of JPEG and HEIC uploads, on the local PDS server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { heicWithExif, jpegWithExif } from '../helpers/exif-images.js';
import { pds, startEmulator, type PdsAnswer, type StartedEmulator } from '../helpers/emulator.js';
import { uploadFile } from './support.js';

describe('revisions and image metadata', () => {
  let e: StartedEmulator;
  let call: (path: string, body: Record<string, unknown>) => Promise<PdsAnswer>;
  const content = async (fileId: string, revisionId?: string) => {
    const u = await call('file/get_download_url', { file_id: fileId, ...(revisionId ? { revision_id: revisionId } : {}) });
    assert.equal(u.status, 200);
    return (await (await fetch(u.body.url)).text());
  };
  before(async () => {
    e = await startEmulator();
    call = (path, body) => pds(e.endpoint, e.account.access_token, path, { drive_id: e.account.drive_id, ...body });
  });
  after(() => e.close());

  it('keeps every replaced content as a revision: listed newest first, downloadable, restorable, deletable', async () => {
    const v1 = await uploadFile(e, 'root', 'doc.txt', Buffer.from('one'));
    const v2 = await uploadFile(e, 'root', 'doc.txt', Buffer.from('two!'), { fileId: v1.file_id });
    await uploadFile(e, 'root', 'doc.txt', Buffer.from('three'), { fileId: v1.file_id });
    const list = await call('file/revision/list', { file_id: v1.file_id, limit: 2 });
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 2);
    assert.equal(list.body.items[0].is_latest_version, true);
    assert.equal(list.body.items[0].size, 5);
    assert.ok(list.body.next_marker);
    const rest = await call('file/revision/list', { file_id: v1.file_id, marker: list.body.next_marker });
    const all = [...list.body.items, ...rest.body.items];
    assert.deepEqual(all.map((r: any) => r.revision_id).reverse(), [v1.revision_id, v2.revision_id, all[0].revision_id]);
    assert.deepEqual(all.map((r: any) => r.revision_version), [3, 2, 1]);
    assert.equal(await content(v1.file_id, v1.revision_id), 'one');
    assert.equal(await content(v1.file_id, v2.revision_id), 'two!');
    assert.equal(await content(v1.file_id), 'three');

    const got = await call('file/revision/get', { file_id: v1.file_id, revision_id: v2.revision_id });
    assert.equal(got.body.size, 4);
    assert.equal(got.body.is_latest_version, false);
    const missing = await call('file/revision/get', { file_id: v1.file_id, revision_id: 'nope' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'NotFound.Revision');
    assert.equal((await call('file/get_download_url', { file_id: v1.file_id, revision_id: 'nope' })).body.code, 'NotFound.Revision');

    const restored = await call('file/revision/restore', { file_id: v1.file_id, revision_id: v1.revision_id });
    assert.equal(restored.status, 200);
    assert.equal(restored.body.is_latest_version, true);
    assert.equal(await content(v1.file_id), 'one');
    assert.equal((await call('file/revision/list', { file_id: v1.file_id })).body.items.length, 4);

    const latest = await call('file/revision/delete', { file_id: v1.file_id, revision_id: restored.body.revision_id });
    assert.equal(latest.status, 400);
    assert.equal((await call('file/revision/delete', { file_id: v1.file_id, revision_id: v2.revision_id })).status, 200);
    assert.equal((await call('file/revision/list', { file_id: v1.file_id })).body.items.length, 3);
    assert.equal((await call('file/revision/get', { file_id: v1.file_id, revision_id: v2.revision_id })).status, 404);
  });

  it('fills image_media_metadata from the EXIF of JPEG and HEIC uploads', async () => {
    const facts = { taken: '2024:05:17 10:04:05', latitude: 40.110333, longitude: 116.349444 };
    for (const [name, data] of [['photo.jpg', jpegWithExif(facts)], ['photo.heic', heicWithExif(facts)]] as const) {
      const f = await uploadFile(e, 'root', name, data);
      const got = await call('file/get', { file_id: f.file_id });
      const media = got.body.image_media_metadata;
      assert.ok(media, name);
      assert.equal(media.time, '2024-05-17T10:04:05.000Z', name);
      assert.equal(media.location, '40.110333,116.349444', name);
      assert.equal(media.width, 64);
      assert.equal(JSON.parse(media.exif).Make, 'pdsfs test');
    }
    const plain = await uploadFile(e, 'root', 'plain.jpg', Buffer.from('not really a jpeg'));
    assert.equal((await call('file/get', { file_id: plain.file_id })).body.image_media_metadata, undefined);
    const found = await call('file/search', { query: 'category = "image"', order_by: 'created_at ASC' });
    assert.deepEqual(found.body.items.map((i: any) => i.name), ['photo.jpg', 'photo.heic', 'plain.jpg']);
    assert.equal(found.body.items[0].image_media_metadata.time, '2024-05-17T10:04:05.000Z');
  });
});
