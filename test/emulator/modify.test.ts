// Rename, move, copy, recycle bin, delete, async tasks and the change feed of the local PDS server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pds, startEmulator, type PdsAnswer, type StartedEmulator } from '../helpers/emulator.js';
import { mkdir, readFile, uploadFile } from './support.js';

describe('changes and removal', () => {
  let e: StartedEmulator;
  let call: (path: string, body: Record<string, unknown>) => Promise<PdsAnswer>;
  const names = async (parent: string) => (await call('file/list', { parent_file_id: parent, limit: 100, order_by: 'name' })).body.items.map((i: any) => i.name);
  const waitTask = async (id: string) => {
    for (;;) {
      const t = await call('async_task/get', { async_task_id: id });
      assert.equal(t.status, 200);
      if (t.body.state !== 'Running') return t.body;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  before(async () => {
    e = await startEmulator();
    call = (path, body) => pds(e.endpoint, e.account.access_token, path, { drive_id: e.account.drive_id, ...body });
  });
  after(() => e.close());

  it('updates names and metadata with check_name_mode', async () => {
    const dir = await mkdir(e, 'root', 'upd');
    const a = await uploadFile(e, dir, 'a.txt', Buffer.from('a'));
    await uploadFile(e, dir, 'b.txt', Buffer.from('b'));
    const mtime = '2020-01-02T03:04:05.678Z';
    const r = await call('file/update', { file_id: a.file_id, name: 'c.txt', local_modified_at: mtime, description: 'desc', starred: true, labels: ['x'] });
    assert.equal(r.status, 200);
    assert.equal(r.body.name, 'c.txt');
    assert.equal(r.body.local_modified_at, mtime);
    assert.equal(r.body.description, 'desc');
    assert.equal(r.body.starred, true);
    assert.deepEqual(r.body.labels, ['x']);
    assert.ok(r.body.updated_at >= a.updated_at);
    const clash = await call('file/update', { file_id: a.file_id, name: 'b.txt', check_name_mode: 'refuse' });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.code, 'AlreadyExist.File');
    const renamed = await call('file/update', { file_id: a.file_id, name: 'b.txt', check_name_mode: 'auto_rename' });
    assert.match(renamed.body.name, /^b_\d{8}_\d{6}\.txt$/);
    assert.equal((await call('file/update', { file_id: a.file_id, name: 'x/y' })).body.code, 'InvalidParameter.Name');
    assert.equal((await call('file/update', { file_id: a.file_id, local_modified_at: 'yesterday' })).body.code, 'InvalidParameter.LocalModifiedAt');
    assert.equal((await call('file/update', { file_id: 'nope', name: 'q' })).status, 404);
  });

  it('keeps user_meta: set by create and update, returned by get, list and list_delta, kept by copy', async () => {
    const dir = await mkdir(e, 'root', 'meta');
    const cursor = (await call('file/get_last_cursor', {})).body.cursor;
    const meta = '{"k":"v"}';
    const folder = await call('file/create', { parent_file_id: dir, name: 'sub', type: 'folder', user_meta: meta });
    assert.equal(folder.status, 201);
    const f = await uploadFile(e, dir, 'm.txt', Buffer.from('m'), { extra: { user_meta: meta } });
    assert.equal(f.user_meta, meta);
    assert.equal((await call('file/get', { file_id: folder.body.file_id })).body.user_meta, meta);
    const plain = await uploadFile(e, dir, 'plain.txt', Buffer.from('p'));
    assert.equal(plain.user_meta, undefined, 'absent when never set');
    const listed = (await call('file/list', { parent_file_id: dir, fields: '*' })).body.items;
    assert.deepEqual(listed.map((i: any) => [i.name, i.user_meta]).sort(), [['m.txt', meta], ['plain.txt', undefined], ['sub', meta]]);
    const changed = '{"k":"w"}';
    const u = await call('file/update', { file_id: f.file_id, user_meta: changed });
    assert.equal(u.body.user_meta, changed);
    const delta = (await call('file/list_delta', { cursor, limit: 100 })).body.items;
    assert.equal(delta.filter((d: any) => d.file_id === f.file_id).at(-1).file.user_meta, changed);
    const c = await call('file/copy', { file_id: f.file_id, to_parent_file_id: folder.body.file_id, new_name: 'c.txt' });
    assert.equal((await call('file/get', { file_id: c.body.file_id })).body.user_meta, changed);
    const over = await uploadFile(e, dir, 'm.txt', Buffer.from('new content'), { fileId: f.file_id, extra: { user_meta: meta } });
    assert.equal((await call('file/get', { file_id: over.file_id })).body.user_meta, meta, 'an overwrite sets it too');
    assert.equal((await call('file/update', { file_id: f.file_id, user_meta: 5 })).status, 400);
  });

  it('moves files and folders, with new_name, refuse and across drives', async () => {
    const src = await mkdir(e, 'root', 'mv-src');
    const dst = await mkdir(e, 'root', 'mv-dst');
    const f = await uploadFile(e, src, 'f.txt', Buffer.from('move me'));
    const m = await call('file/move', { file_id: f.file_id, to_parent_file_id: dst, new_name: 'g.txt' });
    assert.equal(m.status, 200);
    assert.equal(m.body.exist, false);
    assert.ok(!m.body.async_task_id);
    assert.deepEqual(await names(dst), ['g.txt']);
    assert.deepEqual(await names(src), []);

    await uploadFile(e, src, 'g.txt', Buffer.from('other'));
    const other = (await call('file/list', { parent_file_id: src })).body.items[0];
    const refused = await call('file/move', { file_id: other.file_id, to_parent_file_id: dst, check_name_mode: 'refuse' });
    assert.equal(refused.body.exist, true);
    assert.deepEqual(await names(src), ['g.txt'], 'a refused move leaves the file in place');

    const inner = await mkdir(e, src, 'inner');
    const loop = await call('file/move', { file_id: src, to_parent_file_id: inner });
    assert.equal(loop.status, 400);
    assert.equal(loop.body.code, 'InvalidParameter.ToParentFileId');
    assert.equal((await call('file/move', { file_id: src, to_parent_file_id: src })).status, 400);

    const team = e.account.team_drive_id;
    const cross = await call('file/move', { file_id: src, to_parent_file_id: 'root', to_drive_id: team });
    assert.equal(cross.status, 200);
    const teamList = await pds(e.endpoint, e.account.access_token, 'file/list', { drive_id: team, parent_file_id: 'root' });
    assert.deepEqual(teamList.body.items.map((i: any) => i.name), ['mv-src']);
    assert.equal((await call('file/get', { file_id: src })).status, 404);
    const teamDrive = await pds(e.endpoint, e.account.access_token, 'drive/get', { drive_id: team });
    assert.equal(teamDrive.body.used_size, 5);
    const inTeam = await pds(e.endpoint, e.account.access_token, 'file/list', { drive_id: team, parent_file_id: src });
    assert.deepEqual(inTeam.body.items.map((i: any) => i.name).sort(), ['g.txt', 'inner']);
  });

  it('copies files at once and folders through an async task', async () => {
    const dir = await mkdir(e, 'root', 'cp');
    const f = await uploadFile(e, dir, 'f.txt', Buffer.from('copy'));
    const c = await call('file/copy', { file_id: f.file_id, to_parent_file_id: dir, auto_rename: true });
    assert.equal(c.status, 201);
    assert.equal(c.body.async_task_id, undefined);
    assert.notEqual(c.body.file_id, f.file_id);
    assert.ok((await readFile(e, c.body.file_id)).equals(Buffer.from('copy')));
    const named = await call('file/copy', { file_id: f.file_id, to_parent_file_id: dir, new_name: 'h.txt' });
    assert.equal((await call('file/get', { file_id: named.body.file_id })).body.name, 'h.txt');
    assert.equal((await names(dir)).length, 3);

    const tree = await mkdir(e, 'root', 'tree');
    const sub = await mkdir(e, tree, 'sub');
    await uploadFile(e, sub, 'deep.txt', Buffer.from('deep'));
    await uploadFile(e, tree, 'top.txt', Buffer.from('top'));
    const fc = await call('file/copy', { file_id: tree, to_parent_file_id: dir });
    assert.equal(fc.status, 202);
    assert.ok(fc.body.async_task_id);
    const task = await waitTask(fc.body.async_task_id);
    assert.equal(task.state, 'Succeed');
    assert.equal(task.total_process, 3);
    assert.deepEqual(await names(fc.body.file_id), ['sub', 'top.txt']);
    const subCopy = (await call('file/list', { parent_file_id: fc.body.file_id, type: 'folder' })).body.items[0];
    assert.notEqual(subCopy.file_id, sub);
    assert.deepEqual(await names(subCopy.file_id), ['deep.txt']);
    const toTeam = await call('file/copy', { file_id: f.file_id, to_parent_file_id: 'root', to_drive_id: e.account.team_drive_id });
    assert.equal(toTeam.body.drive_id, e.account.team_drive_id);
    assert.equal((await call('file/copy', { file_id: tree, to_parent_file_id: sub })).status, 400);
    assert.equal((await call('async_task/get', { async_task_id: 'nope' })).body.code, 'NotFound.AsyncTask');
  });

  it('trashes, lists the recycle bin newest first, restores and deletes', async () => {
    const dir = await mkdir(e, 'root', 'bin');
    const sub = await mkdir(e, dir, 'sub');
    const f = await uploadFile(e, sub, 'binned.txt', Buffer.from('trash me'));
    const g = await uploadFile(e, dir, 'g.txt', Buffer.from('g'));
    assert.equal((await call('recyclebin/trash', { file_id: sub })).status, 204);
    assert.equal((await call('recyclebin/trash', { file_id: g.file_id })).status, 204);
    assert.deepEqual(await names(dir), []);
    assert.equal((await call('file/get', { file_id: f.file_id })).status, 404, 'the subtree of a trashed folder is hidden');
    assert.equal((await call('file/search', { query: 'name = "binned.txt"' })).body.items.length, 0);
    const bin = await call('recyclebin/list', { limit: 1 });
    assert.equal(bin.body.items[0].file_id, g.file_id);
    assert.equal(bin.body.items[0].trashed, true);
    assert.ok(bin.body.items[0].trashed_at);
    const bin2 = await call('recyclebin/list', { limit: 1, marker: bin.body.next_marker });
    assert.equal(bin2.body.items[0].file_id, sub);

    assert.equal((await call('recyclebin/restore', { file_id: sub })).status, 204);
    assert.deepEqual(await names(dir), ['sub']);
    assert.equal((await call('file/get', { file_id: f.file_id })).status, 200);
    assert.equal((await call('recyclebin/restore', { file_id: f.file_id })).status, 404);

    const before = (await call('drive/get', {})).body.used_size;
    assert.equal((await call('file/delete', { file_id: dir })).status, 204);
    assert.equal((await call('file/get', { file_id: f.file_id })).status, 404);
    assert.equal((await call('drive/get', {})).body.used_size, before - 9, 'deleting a folder frees its subtree (also the trashed g.txt)');
    assert.equal((await call('file/delete', { file_id: dir })).status, 404);
  });

  it('records every mutation in the change feed', async () => {
    const start = (await call('file/get_last_cursor', {})).body.cursor;
    const dir = await mkdir(e, 'root', 'feed');
    const f = await uploadFile(e, dir, 'a.txt', Buffer.from('1'));
    await uploadFile(e, dir, 'a.txt', Buffer.from('22'), { fileId: f.file_id });
    await call('file/update', { file_id: f.file_id, name: 'b.txt' });
    await call('file/update', { file_id: f.file_id, description: 'd' });
    await call('file/move', { file_id: f.file_id, to_parent_file_id: 'root' });
    const copy = await call('file/copy', { file_id: f.file_id, to_parent_file_id: dir });
    await call('recyclebin/trash', { file_id: f.file_id });
    await call('recyclebin/restore', { file_id: f.file_id });
    await call('file/delete', { file_id: copy.body.file_id });

    const ops: [string, string][] = [];
    let cursor = start;
    for (;;) {
      const page = await call('file/list_delta', { cursor, limit: 3 });
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 3);
      for (const item of page.body.items) ops.push([item.op, item.file_id]);
      cursor = page.body.cursor;
      if (!page.body.has_more) break;
    }
    assert.deepEqual(ops, [
      ['create', dir], ['create', f.file_id], ['overwrite', f.file_id], ['rename', f.file_id], ['update', f.file_id],
      ['move', f.file_id], ['create', copy.body.file_id], ['trash', f.file_id], ['restore', f.file_id], ['delete', copy.body.file_id],
    ]);
    const all = await call('file/list_delta', { cursor: start, limit: 100 });
    const rename = all.body.items.find((i: any) => i.op === 'rename');
    assert.equal(rename.file.name, 'b.txt');
    assert.equal(all.body.items.find((i: any) => i.op === 'delete').file, undefined);
    // Cursors are opaque (each one says when it was handed out): compare what they lead to.
    const last = (await call('file/get_last_cursor', {})).body.cursor;
    for (const c of [cursor, last]) {
      const idle = await call('file/list_delta', { cursor: c });
      assert.deepEqual(idle.body.items, []);
      assert.equal(idle.body.has_more, false);
    }
    assert.equal((await call('file/list_delta', { cursor: 'garbage' })).body.code, 'InvalidParameter.Cursor');
    const other = await pds(e.endpoint, e.account.access_token, 'file/list_delta', { drive_id: e.account.team_drive_id, cursor });
    assert.equal(other.body.code, 'InvalidParameter.Cursor', 'a cursor belongs to its drive');
  });

  it('a cursor unused for longer than the retention has expired', async () => {
    const short = await startEmulator({ cursorTtlMs: 0 });
    try {
      const cursor = (await pds(short.endpoint, short.account.access_token, 'file/get_last_cursor', { drive_id: short.account.drive_id })).body.cursor;
      const expired = await pds(short.endpoint, short.account.access_token, 'file/list_delta', { drive_id: short.account.drive_id, cursor });
      assert.equal(expired.status, 400);
      assert.equal(expired.body.code, 'InvalidParameter.Cursor');
      assert.match(expired.body.message, /expired/);
    } finally {
      await short.close();
    }
  });
});
