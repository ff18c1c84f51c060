// A folder the server lets the user only read, over WebDAV: PUT, MKCOL, DELETE, MOVE and COPY into or
// out of it answer 403 and change nothing; GET and PROPFIND still work. So does a team drive granted
// read-only on its root, once its first refusal has marked it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pds } from '../helpers/emulator.js';
import { type Served, serve } from './harness.js';

const READ_ONLY = ['FILE.LIST', 'FILE.GET', 'FILE.PREVIEW', 'FILE.DOWNLOAD'] as const;

describe('WebDAV: a read-only folder', () => {
  let s: Served;
  let roId: string;
  const api = (path: string, body: object) => pds<any>(s.started.endpoint, s.started.account.access_token, path, { drive_id: s.started.account.drive_id, ...body });

  before(async () => {
    s = await serve();
    roId = (await api('file/create', { parent_file_id: 'root', name: 'ro', type: 'folder' })).body.file_id;
    await api('file/create', { parent_file_id: roId, name: 'sub', type: 'folder' });
    s.started.emu.setPermissions(roId, READ_ONLY);
    assert.equal((await s.request('PUT', `${s.href(s.drivePath)}/mine.txt`, { body: 'mine' })).status, 201);
  });
  after(() => s?.close());

  test('every change under it answers 403; nothing changes', async () => {
    const ro = `${s.href(s.drivePath)}/ro`;
    const dest = (p: string) => ({ destination: s.url.replace(/\/$/, '') + p });
    const refused: Array<[string, string, { headers?: Record<string, string>; body?: string }]> = [
      ['PUT', `${ro}/new.txt`, { body: 'x' }],
      ['MKCOL', `${ro}/newdir`, {}],
      ['DELETE', `${ro}/sub`, {}],
      ['DELETE', ro, {}],
      ['MOVE', `${ro}/sub`, { headers: dest(`${s.href(s.drivePath)}/out`) }],
      ['MOVE', `${s.href(s.drivePath)}/mine.txt`, { headers: dest(`${ro}/mine.txt`) }],
      ['COPY', `${s.href(s.drivePath)}/mine.txt`, { headers: dest(`${ro}/sub/mine.txt`) }],
    ];
    for (const [method, path, opts] of refused) {
      const r = await s.request(method, path, opts);
      assert.equal(r.status, 403, `${method} ${path}: ${r.status} ${r.text}`);
    }
    const onServer = (await api('file/list', { parent_file_id: roId })).body.items.map((i: { name: string }) => i.name);
    assert.deepEqual(onServer, ['sub']);
    assert.equal((await s.request('PROPFIND', `${ro}/`, { headers: { depth: '1' } })).status, 207);
    assert.equal((await s.request('GET', `${s.href(s.drivePath)}/mine.txt`)).text, 'mine');
  });

  test('a permission revoked after the folder was listed: the server refuses, and so does WebDAV (403)', async () => {
    const rw = `${s.href(s.drivePath)}/rw`;
    assert.equal((await s.request('MKCOL', rw)).status, 201);
    const rwId = (await api('file/list', { parent_file_id: 'root' })).body.items.find((i: { name: string }) => i.name === 'rw').file_id;
    s.started.emu.setPermissions(rwId, READ_ONLY);
    const r = await s.request('MKCOL', `${rw}/refused`);
    assert.equal(r.status, 403, r.text);
    assert.equal((await api('file/list', { parent_file_id: rwId })).body.items.length, 0);
  });
});

describe('WebDAV: a team drive the user may only read (a read-only grant on its root)', () => {
  let s: Served;

  before(async () => {
    s = await serve();
    assert.equal((await s.request('PUT', `${s.href(s.drivePath)}/mine.txt`, { body: 'mine' })).status, 201);
    s.started.emu.setPermissions('root', READ_ONLY, { driveId: s.started.account.team_drive_id });
  });
  after(() => s?.close());

  test('PUT, MKCOL and COPY into it answer 403 (the first refused by PDS, the rest here) and change nothing', async () => {
    const name = (await pds<any>(s.started.endpoint, s.started.account.access_token, 'drive/get', { drive_id: s.started.account.team_drive_id })).body.drive_name;
    const team = s.href(`/drives/${name}`);
    const dest = (p: string) => ({ destination: s.url.replace(/\/$/, '') + p });
    for (const [method, path, opts] of [
      ['MKCOL', `${team}/first`, {}],
      ['PUT', `${team}/new.txt`, { body: 'x' }],
      ['MKCOL', `${team}/newdir`, {}],
      ['COPY', `${s.href(s.drivePath)}/mine.txt`, { headers: dest(`${team}/mine.txt`) }],
    ] as const) {
      const r = await s.request(method, path, opts);
      assert.equal(r.status, 403, `${method} ${path}: ${r.status} ${r.text}`);
    }
    const listed = await pds<any>(s.started.endpoint, s.started.account.access_token, 'file/list', { drive_id: s.started.account.team_drive_id, parent_file_id: 'root' });
    assert.deepEqual(listed.body.items, []);
    assert.equal((await s.request('PROPFIND', `${team}/`, { headers: { depth: '1' } })).status, 207);
  });
});
