// Folders, names, listing, lookup and search on the local PDS server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pds, startEmulator, type PdsAnswer, type StartedEmulator } from '../helpers/emulator.js';
import { mkdir, uploadFile } from './support.js';

describe('folders, names and lookup', () => {
  let e: StartedEmulator;
  let call: (path: string, body: Record<string, unknown>) => Promise<PdsAnswer>;
  let drive: string;
  before(async () => {
    e = await startEmulator();
    drive = e.account.drive_id;
    call = (path, body) => pds(e.endpoint, e.account.access_token, path, { drive_id: drive, ...body });
  });
  after(() => e.close());

  it('creates folders with ignore, refuse and auto_rename', async () => {
    const parent = await mkdir(e, 'root', 'modes');
    const first = await call('file/create', { parent_file_id: parent, name: 'docs', type: 'folder' });
    assert.equal(first.body.exist, false);
    const refused = await call('file/create', { parent_file_id: parent, name: 'docs', type: 'folder', check_name_mode: 'refuse' });
    assert.equal(refused.status, 201);
    assert.equal(refused.body.exist, true);
    assert.equal(refused.body.file_id, first.body.file_id);
    const renamed = await call('file/create', { parent_file_id: parent, name: 'docs', type: 'folder', check_name_mode: 'auto_rename' });
    assert.match(renamed.body.file_name, /^docs_\d{8}_\d{6}$/);
    const dup = await call('file/create', { parent_file_id: parent, name: 'docs', type: 'folder', check_name_mode: 'ignore' });
    assert.notEqual(dup.body.file_id, first.body.file_id);
    const listed = await call('file/list', { parent_file_id: parent });
    assert.equal(listed.body.items.filter((i: any) => i.name === 'docs').length, 2);
    const file = await uploadFile(e, parent, 'report.final.txt', Buffer.from('x'));
    const fileRenamed = await call('file/create', { parent_file_id: parent, name: file.name, type: 'file', size: 1, check_name_mode: 'auto_rename' });
    assert.match(fileRenamed.body.file_name, /^report\.final_\d{8}_\d{6}\.txt$/);
  });

  it('enforces the name rules and stores names as given', async () => {
    const parent = await mkdir(e, 'root', 'names');
    const create = (name: unknown) => call('file/create', { parent_file_id: parent, name, type: 'folder' });
    const max = 'é'.repeat(512);
    assert.equal(Buffer.byteLength(max), 1024);
    assert.equal((await create(max)).status, 201);
    for (const bad of [max + 'a', 'a/b', '', '.', '..', 'nul\u0000', 'tab\t', 'del\u007f']) {
      const r = await create(bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body.code, bad === '' ? 'InvalidParameter.Name' : 'InvalidParameter.Name');
    }
    assert.equal((await create(42)).body.code, 'InvalidParameter.Name');
    const nfd = 'cafe\u0301';
    const made = await create(nfd);
    assert.equal((await call('file/get', { file_id: made.body.file_id })).body.name, nfd);
    assert.equal((await create('back\\slash:colon ')).status, 201);
  });

  it('validates parameters with 400s, never 500s', async () => {
    assert.equal((await call('file/create', { parent_file_id: 'root', name: 'f', type: 'file' })).body.code, 'InvalidParameter.Size');
    assert.equal((await call('file/create', { parent_file_id: 'root', name: 'f', type: 'blob' })).body.code, 'InvalidParameter.Type');
    assert.equal((await call('file/create', { parent_file_id: 'root', name: 'f', type: 'file', size: -1 })).body.code, 'InvalidParameter.Size');
    assert.equal((await call('file/create', { parent_file_id: 'nope', name: 'f', type: 'folder' })).body.code, 'NotFound.File');
    assert.equal((await call('file/list', { parent_file_id: 'root', limit: 0 })).body.code, 'InvalidParameter.Limit');
    assert.equal((await call('file/list', { parent_file_id: 'root', limit: 101 })).body.code, 'InvalidParameter.Limit');
    assert.equal((await call('file/list', { parent_file_id: 'root', limit: '5' })).status, 400);
    assert.equal((await call('file/list', { parent_file_id: 'root', marker: '%%%' })).body.code, 'InvalidParameter.Marker');
    assert.equal((await call('file/list', { parent_file_id: 'root', order_by: 'color' })).body.code, 'InvalidParameter.OrderBy');
    assert.equal((await call('file/get', { file_id: 'missing' })).status, 404);
    assert.equal((await pds(e.endpoint, e.account.access_token, 'file/list', { parent_file_id: 'root' })).status, 400);
    const huge = await call('file/create', { parent_file_id: 'root', name: 'big', type: 'file', size: 1, part_info_list: Array.from({ length: 10001 }, (_, i) => ({ part_number: i + 1 })) });
    assert.equal(huge.body.code, 'InvalidParameter.PartInfoList');
  });

  it('pages stably through more than 250 entries in every order', async () => {
    const parent = await mkdir(e, 'root', 'many');
    const names: string[] = [];
    for (let i = 0; i < 260; i++) {
      const name = `n${String((i * 37) % 260).padStart(3, '0')}`;
      names.push(name);
      const r = await call('file/create', { parent_file_id: parent, name, type: i % 2 ? 'folder' : 'file', size: i % 2 ? undefined : 0 });
      assert.equal(r.status, 201);
      if (i % 2 === 0) await call('file/complete', { file_id: r.body.file_id, upload_id: r.body.upload_id });
    }
    const all = async (extra: Record<string, unknown>) => {
      const out: any[] = [];
      let marker = '';
      do {
        const r = await call('file/list', { parent_file_id: parent, limit: 100, marker, ...extra });
        assert.equal(r.status, 200);
        assert.ok(r.body.items.length <= 100);
        out.push(...r.body.items);
        marker = r.body.next_marker;
      } while (marker);
      return out;
    };
    const byCreation = await all({});
    assert.deepEqual(byCreation.map((i) => i.name), names);
    const byName = await all({ order_by: 'name', order_direction: 'DESC' });
    assert.deepEqual(byName.map((i) => i.name), [...names].sort().reverse());
    const folders = await all({ type: 'folder' });
    assert.equal(folders.length, 130);
    assert.ok(folders.every((i) => i.type === 'folder'));
    assert.equal(new Set((await all({ order_by: 'size' })).map((i) => i.file_id)).size, 260);

    // A page boundary survives entries added before and after the marker.
    const p1 = await call('file/list', { parent_file_id: parent, limit: 100, order_by: 'name' });
    await call('file/create', { parent_file_id: parent, name: 'a-first', type: 'folder' });
    await call('file/create', { parent_file_id: parent, name: 'z-last', type: 'folder' });
    const p2 = await call('file/list', { parent_file_id: parent, limit: 100, order_by: 'name', marker: p1.body.next_marker });
    assert.equal(p2.body.items[0].name, [...names].sort()[100]);
    const otherQuery = await call('file/list', { parent_file_id: parent, limit: 100, order_by: 'size', marker: p1.body.next_marker });
    assert.equal(otherQuery.body.code, 'InvalidParameter.Marker');
  });

  it('returns the documented fields: a reduced set by default, all with "*", or a chosen list', async () => {
    const parent = await mkdir(e, 'root', 'fields');
    await uploadFile(e, parent, 'a.txt', Buffer.from('abc'));
    const dflt = (await call('file/list', { parent_file_id: parent })).body.items[0];
    assert.equal(dflt.size, 3);
    assert.equal(dflt.content_hash, undefined);
    const full = (await call('file/list', { parent_file_id: parent, fields: '*' })).body.items[0];
    assert.equal(full.content_hash, 'A9993E364706816ABA3E25717850C26C9CD0D89D');
    assert.match(full.download_url, /^http:/);
    const some = (await call('file/list', { parent_file_id: parent, fields: 'content_hash' })).body.items[0];
    assert.equal(some.content_hash, full.content_hash);
    assert.equal(some.updated_at, undefined);
    const withDirSize = (await call('file/get', { file_id: parent, fields: 'dir_size' })).body;
    assert.equal(withDirSize.size, 3);
  });

  it('gets by id and by path, hiding uploading entries', async () => {
    const a = await mkdir(e, 'root', 'pa');
    const b = await mkdir(e, a, 'pb');
    const f = await uploadFile(e, b, 'leaf.bin', Buffer.alloc(10, 1));
    const byPath = await call('file/get_by_path', { file_path: '/pa/pb/leaf.bin' });
    assert.equal(byPath.body.file_id, f.file_id);
    assert.equal(byPath.body.parent_file_id, b);
    assert.equal((await call('file/get_by_path', { file_path: '/pa/nope' })).body.code, 'NotFound.File');
    const got = await call('file/get', { file_id: f.file_id });
    assert.equal(got.body.size, 10);
    assert.equal(got.body.content_hash_name, 'sha1');

    const pending = await call('file/create', { parent_file_id: b, name: 'pending.bin', type: 'file', size: 4 });
    assert.equal(pending.body.status, 'uploading');
    assert.equal((await call('file/get', { file_id: pending.body.file_id })).status, 404);
    assert.equal((await call('file/get_by_path', { file_path: '/pa/pb/pending.bin' })).status, 404);
    const listed = await call('file/list', { parent_file_id: b });
    assert.deepEqual(listed.body.items.map((i: any) => i.name), ['leaf.bin']);
    const uploading = await call('file/list', { parent_file_id: b, status: 'uploading' });
    assert.deepEqual(uploading.body.items.map((i: any) => i.name), ['pending.bin']);
  });

  it('get_by_path answers with the errors the spec lists for it', async () => {
    const dir = await mkdir(e, 'root', 'gbp');
    const f = await uploadFile(e, dir, 'f.txt', Buffer.from('f'));
    const byPath = (body: Record<string, unknown>) => pds(e.endpoint, e.account.access_token, 'file/get_by_path', body);
    const found = await byPath({ drive_id: drive, file_path: '/gbp/f.txt', url_expire_sec: 60 });
    assert.equal(found.status, 200);
    assert.equal(found.body.file_id, f.file_id);
    const missing = await byPath({ file_path: '/gbp/f.txt' });
    assert.deepEqual([missing.status, missing.body.code], [400, 'InvalidParameter.DriveId']);
    const noDrive = await byPath({ drive_id: '999', file_path: '/gbp/f.txt' });
    assert.deepEqual([noDrive.status, noDrive.body.code], [404, 'NotFound.Drive']);
    const badTtl = await byPath({ drive_id: drive, file_path: '/gbp/f.txt', url_expire_sec: 5 });
    assert.deepEqual([badTtl.status, badTtl.body.code], [400, 'InvalidParameter.UrlExpireSec']);
    const throughFile = await byPath({ drive_id: drive, file_path: '/gbp/f.txt/x' });
    assert.deepEqual([throughFile.status, throughFile.body.code], [404, 'NotFound.File']);
    assert.equal((await call('recyclebin/trash', { file_id: f.file_id })).status < 300, true);
    const trashed = await byPath({ drive_id: drive, file_path: '/gbp/f.txt' });
    assert.deepEqual([trashed.status, trashed.body.code], [404, 'NotFound.File']);
  });

  it('searches with the query language', async () => {
    const root = await mkdir(e, 'root', 'search-here');
    const sub = await mkdir(e, root, 'Quarterlies');
    await uploadFile(e, sub, 'Q1 quarterly.pdf', Buffer.from('1'));
    await uploadFile(e, sub, 'Q2 QUARTERLY.pdf', Buffer.from('22'));
    await uploadFile(e, root, 'notes.md', Buffer.from('333'));
    const q = async (query: string, extra: Record<string, unknown> = {}) => {
      const r = await call('file/search', { query, ...extra });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.items.map((i: any) => i.name).sort();
    };
    assert.deepEqual(await q('name = "notes.md"'), ['notes.md']);
    assert.deepEqual(await q('name match "quarterl"'), ['Q1 quarterly.pdf', 'Q2 QUARTERLY.pdf', 'Quarterlies']);
    assert.deepEqual(await q(`parent_file_id = "${sub}" and type = "file"`), ['Q1 quarterly.pdf', 'Q2 QUARTERLY.pdf']);
    assert.deepEqual(await q(`name match "quarterl" and not (type = "folder" or size > 1)`), ['Q1 quarterly.pdf']);
    assert.deepEqual(await q(`parent_file_id = "${root}" or name = "Q1 quarterly.pdf"`), ['Q1 quarterly.pdf', 'Quarterlies', 'notes.md']);
    assert.deepEqual(await q('file_extension in ["md", "pdf"] and size >= 2'), ['Q2 QUARTERLY.pdf', 'notes.md']);

    const ordered = await call('file/search', { query: 'name match "quarterl"', order_by: 'name DESC', limit: 2 });
    assert.deepEqual(ordered.body.items.map((i: any) => i.name), ['Quarterlies', 'Q2 QUARTERLY.pdf']);
    const rest = await call('file/search', { query: 'ignored when a marker is given', marker: ordered.body.next_marker, limit: 2 });
    assert.deepEqual(rest.body.items.map((i: any) => i.name), ['Q1 quarterly.pdf']);
    assert.equal(rest.body.next_marker, '');
    assert.equal((await call('file/search', { query: 'name = ' })).body.code, 'InvalidParameter.Query');
    assert.equal((await call('file/search', { query: 'color = "red"' })).body.code, 'InvalidParameter.Query');
    assert.equal((await call('file/search', { query: 'name prefix "Q"' })).body.code, 'InvalidParameter.Query');
  });
});
