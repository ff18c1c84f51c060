// A folder the server lets the user only read, over WebDAV: PUT, MKCOL, DELETE, MOVE and COPY into or
// out of it answer 403 and change nothing; GET and PROPFIND still work.
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
