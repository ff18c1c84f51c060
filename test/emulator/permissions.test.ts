// The local server's permission model: a folder the development user may only read (action_list set
// through /admin/permissions) refuses every change in its subtree with 403 ForbiddenNoPermission.File
// and changes nothing; file objects carry action_list when `fields` asks for it. A grant on a team
// drive's `root` holds for the whole drive, as FileAddPermission documents it (team drives only).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pds, type PdsAnswer, startEmulator, type StartedEmulator } from '../helpers/emulator.js';
import { uploadFile } from './support.js';

const READ_ONLY = ['FILE.LIST', 'FILE.GET', 'FILE.PREVIEW', 'FILE.DOWNLOAD'];

describe('local server: read-only folders', () => {
  let e: StartedEmulator;
  let call: (path: string, body: Record<string, unknown>) => Promise<PdsAnswer>;
  let ro: string;
  let inside: string;
  let sub: string;
  let outside: string;

  before(async () => {
    e = await startEmulator({ adminApi: true });
    const drive_id = e.account.drive_id;
    call = (p, body) => pds(e.endpoint, e.account.access_token, p, { drive_id, ...body });
    ro = (await call('file/create', { parent_file_id: 'root', name: 'ro', type: 'folder' })).body.file_id;
    sub = (await call('file/create', { parent_file_id: ro, name: 'sub', type: 'folder' })).body.file_id;
    inside = (await uploadFile(e, ro, 'inside.txt', Buffer.from('kept'))).file_id;
    outside = (await uploadFile(e, 'root', 'outside.txt', Buffer.from('mine'))).file_id;
    const set = await fetch(`${e.endpoint}/admin/permissions`, { method: 'POST', body: JSON.stringify({ file_id: ro, action_list: READ_ONLY }) });
    assert.equal(set.status, 200);
  });
  after(() => e?.close());

  test('action_list: the subtree has only the read actions, elsewhere every action; only when fields asks for it', async () => {
    const listed = await call('file/list', { parent_file_id: ro, fields: '*' });
    assert.equal(listed.status, 200);
    for (const item of listed.body.items) assert.deepEqual(item.action_list, READ_ONLY, item.name);
    const own = await call('file/get', { file_id: outside });
    assert.ok(own.body.action_list.includes('FILE.CREATE') && own.body.action_list.includes('FILE.DELETE'));
    const byDefault = await call('file/list', { parent_file_id: ro });
    assert.equal(byDefault.body.items[0].action_list, undefined, 'the default reduced field set leaves it out');
  });

  test('every change in the subtree answers 403 ForbiddenNoPermission.File', async () => {
    const refusals: Array<[string, Record<string, unknown>]> = [
      ['file/create', { parent_file_id: ro, name: 'new.txt', type: 'file', size: 1 }],
      ['file/create', { parent_file_id: sub, name: 'newdir', type: 'folder' }],
      ['file/create', { file_id: inside, name: 'inside.txt', type: 'file', size: 1 }],
      ['file/update', { file_id: inside, name: 'renamed.txt' }],
      ['file/move', { file_id: inside, to_parent_file_id: 'root' }],
      ['file/move', { file_id: outside, to_parent_file_id: ro }],
      ['file/copy', { file_id: outside, to_parent_file_id: sub }],
      ['recyclebin/trash', { file_id: inside }],
      ['file/delete', { file_id: sub }],
    ];
    for (const [path, body] of refusals) {
      const r = await call(path, body);
      assert.equal(r.status, 403, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'ForbiddenNoPermission.File', path);
    }
    const names = (await call('file/list', { parent_file_id: ro })).body.items.map((i: { name: string }) => i.name).sort();
    assert.deepEqual(names, ['inside.txt', 'sub']);
    assert.equal((await call('file/list', { parent_file_id: sub })).body.items.length, 0);
    assert.equal((await call('file/get', { file_id: outside })).body.parent_file_id, 'root');
  });

  test('reads still work, and clearing the permission makes the subtree writable again', async () => {
    assert.equal((await call('file/get_download_url', { file_id: inside })).status, 200);
    await fetch(`${e.endpoint}/admin/permissions`, { method: 'POST', body: JSON.stringify({ file_id: ro, action_list: null }) });
    const created = await call('file/create', { parent_file_id: ro, name: 'now.txt', type: 'folder' });
    assert.equal(created.status, 201);
    const bad = await fetch(`${e.endpoint}/admin/permissions`, { method: 'POST', body: JSON.stringify({ file_id: ro, action_list: ['FILE.FLY'] }) });
    assert.equal(bad.status, 400);
  });

  test('file/copy answers 201 for a file and 202 with a task for a folder (the tea spec statuses)', async () => {
    const file = await call('file/copy', { file_id: outside, to_parent_file_id: 'root', auto_rename: true });
    assert.equal(file.status, 201);
    assert.ok(file.body.file_id && !file.body.async_task_id);
    const folder = await call('file/copy', { file_id: sub, to_parent_file_id: 'root', auto_rename: true });
    assert.equal(folder.status, 202);
    assert.ok(folder.body.async_task_id);
  });

  test("a read-only grant on a team drive's root: every change in the drive is refused, the user's own drive is not", async () => {
    const team = e.account.team_drive_id;
    const inTeam = (p: string, body: Record<string, unknown>) => call(p, { ...body, drive_id: team });
    const folder = (await inTeam('file/create', { parent_file_id: 'root', name: 'team-folder', type: 'folder' })).body.file_id as string;
    const grant = (body: object) => fetch(`${e.endpoint}/admin/permissions`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal((await grant({ file_id: 'root', action_list: READ_ONLY })).status, 400, 'root needs drive_id');
    const own = await grant({ file_id: 'root', drive_id: e.account.drive_id, action_list: READ_ONLY });
    assert.equal(own.status, 403, 'not on a personal drive');
    assert.equal((await grant({ file_id: 'root', drive_id: team, action_list: READ_ONLY })).status, 200);

    for (const [p, body] of [
      ['file/create', { parent_file_id: 'root', name: 'new', type: 'folder' }],
      ['file/create', { parent_file_id: folder, name: 'deeper', type: 'folder' }],
      ['file/update', { file_id: folder, name: 'renamed' }],
      ['recyclebin/trash', { file_id: folder }],
    ] as const) {
      const r = await inTeam(p, body);
      assert.equal(r.status, 403, `${p} ${JSON.stringify(body)}`);
      assert.equal(r.body.code, 'ForbiddenNoPermission.File');
    }
    const copyIn = await call('file/copy', { file_id: outside, to_drive_id: team, to_parent_file_id: 'root' });
    assert.equal(copyIn.status, 403, 'a copy into the drive from elsewhere');
    const listed = await inTeam('file/list', { parent_file_id: 'root', fields: '*' });
    assert.deepEqual(listed.body.items.map((i: { name: string }) => i.name), ['team-folder']);
    assert.deepEqual(listed.body.items[0].action_list, READ_ONLY, 'what is in the drive carries the grant');
    assert.equal((await call('file/create', { parent_file_id: 'root', name: 'still-mine', type: 'folder' })).status, 201);

    assert.equal((await grant({ file_id: 'root', drive_id: team, action_list: null })).status, 200);
    assert.equal((await inTeam('file/create', { parent_file_id: 'root', name: 'new', type: 'folder' })).status, 201);
  });
});
