import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect } from '../../src/pds/paging.js';
import { PdsError } from '../../src/pds/errors.js';
import { vfsCodeOf } from '../../src/pds/error-map.js';
import { bufferSource } from '../../src/pds/upload-source.js';
import type { PdsFile } from '../../src/pds/wire-types.js';
import { startPds } from './fixture.js';

const pds = await startPds();
const drive = { drive_id: pds.driveId };

async function mkdir(parent: string, name: string): Promise<string> {
  const r = await pds.client.uploads.create({ ...drive, parent_file_id: parent, name, type: 'folder', check_name_mode: 'refuse' });
  assert.equal(r.exist ?? false, false, `${name} should be new`);
  return r.file_id;
}

function put(parent: string, name: string, text: string): Promise<PdsFile> {
  return pds.client.uploader.upload({ scope: drive, parentId: parent, name, source: bufferSource(Buffer.from(text)) });
}

const isPds = (code: string, status?: number) => (e: unknown) =>
  e instanceof PdsError && (e.code === code || e.code.startsWith(`${code}.`)) && (status === undefined || e.status === status);

test('create folder, get, get_by_path; refuse on a taken name answers exist', async () => {
  const id = await mkdir('root', 'docs');
  const f = await pds.client.files.get({ ...drive, file_id: id });
  assert.deepEqual([f.name, f.type, f.parent_file_id], ['docs', 'folder', 'root']);
  const byPath = await pds.client.files.getByPath({ ...drive, file_path: '/docs' });
  assert.equal(byPath.file_id, id);
  const again = await pds.client.uploads.create({ ...drive, parent_file_id: 'root', name: 'docs', type: 'folder', check_name_mode: 'refuse' });
  assert.equal(again.exist, true);
  assert.equal(again.file_id, id);
  const renamed = await pds.client.uploads.create({ ...drive, parent_file_id: 'root', name: 'docs', type: 'folder', check_name_mode: 'auto_rename' });
  assert.notEqual(renamed.file_name, 'docs');
});

test('file/list pages across more than 250 entries', async () => {
  const dir = await mkdir('root', 'many');
  const names = Array.from({ length: 260 }, (_, i) => `d${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map((n) => mkdir(dir, n)));
  const before = pds.emu.stats.requests['/v2/file/list'] ?? 0;
  const items = await collect(pds.client.files.iterate({ ...drive, parent_file_id: dir, limit: 100, order_by: 'name', order_direction: 'ASC', fields: '*' }));
  assert.deepEqual(items.map((f) => f.name), names);
  assert.equal(new Set(items.map((f) => f.file_id)).size, 260);
  assert.equal((pds.emu.stats.requests['/v2/file/list'] ?? 0) - before, 3);
  const folders = await pds.client.files.list({ ...drive, parent_file_id: dir, limit: 5, type: 'file' });
  assert.equal(folders.items.length, 0);
});

test('names: 1024 UTF-8 bytes accepted, 1025 refused (ENAMETOOLONG), "/" refused (EINVAL)', async () => {
  const ok = 'é'.repeat(512);
  assert.equal(Buffer.byteLength(ok), 1024);
  await mkdir('root', ok);
  const tooLong = `a${ok}`;
  await assert.rejects(
    pds.client.uploads.create({ ...drive, parent_file_id: 'root', name: tooLong, type: 'folder', check_name_mode: 'refuse' }),
    (e: unknown) => isPds('InvalidParameter', 400)(e) && vfsCodeOf(e as PdsError) === 'ENAMETOOLONG',
  );
  await assert.rejects(
    pds.client.uploads.create({ ...drive, parent_file_id: 'root', name: 'a/b', type: 'folder', check_name_mode: 'refuse' }),
    (e: unknown) => isPds('InvalidParameter', 400)(e) && vfsCodeOf(e as PdsError) === 'EINVAL',
  );
});

test('file/update renames with refuse, sets local_modified_at and description', async () => {
  const dir = await mkdir('root', 'upd');
  const a = await put(dir, 'a.txt', 'A');
  await put(dir, 'b.txt', 'B');
  const renamed = await pds.client.files.update({ ...drive, file_id: a.file_id, name: 'c.txt', check_name_mode: 'refuse' });
  assert.equal(renamed.name, 'c.txt');
  await assert.rejects(pds.client.files.update({ ...drive, file_id: a.file_id, name: 'b.txt', check_name_mode: 'refuse' }), isPds('AlreadyExist'));
  const when = '2020-01-02T03:04:05.678Z';
  const touched = await pds.client.files.update({ ...drive, file_id: a.file_id, local_modified_at: when, description: 'hello' });
  assert.equal(Date.parse(touched.local_modified_at ?? ''), Date.parse(when));
  assert.equal(touched.description, 'hello');
});

test('file/move with new_name; refuse reports exist; missing target is NotFound', async () => {
  const src = await mkdir('root', 'mv-src');
  const dst = await mkdir('root', 'mv-dst');
  const f = await put(src, 'x.txt', 'x');
  const r = await pds.client.files.move({ ...drive, file_id: f.file_id, to_parent_file_id: dst, new_name: 'y.txt', check_name_mode: 'refuse' });
  if (r.async_task_id) await pds.client.waitForTask(r.async_task_id);
  const moved = await pds.client.files.get({ ...drive, file_id: f.file_id });
  assert.deepEqual([moved.parent_file_id, moved.name], [dst, 'y.txt']);
  const g = await put(src, 'y.txt', 'other');
  const clash = await pds.client.files.move({ ...drive, file_id: g.file_id, to_parent_file_id: dst, check_name_mode: 'refuse' });
  assert.equal(clash.exist, true);
  assert.equal((await pds.client.files.get({ ...drive, file_id: g.file_id })).parent_file_id, src);
  await assert.rejects(pds.client.files.move({ ...drive, file_id: g.file_id, to_parent_file_id: 'nope', check_name_mode: 'refuse' }), isPds('NotFound', 404));
});

test('file/copy: a file at once, a folder through an async task', async () => {
  const src = await mkdir('root', 'cp-src');
  await put(src, 'inner.txt', 'inner');
  const dst = await mkdir('root', 'cp-dst');
  const file = await put('root', 'cp.txt', 'copy me');
  const fc = await pds.client.files.copy({ ...drive, file_id: file.file_id, to_parent_file_id: dst, new_name: 'copied.txt' });
  assert.ok(!fc.async_task_id);
  const copied = await pds.client.files.get({ ...drive, file_id: fc.file_id });
  assert.deepEqual([copied.name, copied.content_hash, copied.parent_file_id], ['copied.txt', file.content_hash, dst]);
  const team = { drive_id: pds.account.team_drive_id };
  const dc = await pds.client.files.copy({ ...drive, file_id: src, to_parent_file_id: 'root', to_drive_id: team.drive_id });
  assert.ok(dc.async_task_id, 'folder copies are async');
  const task = await pds.client.waitForTask(dc.async_task_id);
  assert.equal(task.state, 'Succeed');
  const teamRoot = await collect(pds.client.files.iterate({ ...team, parent_file_id: 'root' }));
  const copiedDir = teamRoot.find((f) => f.name === 'cp-src');
  assert.ok(copiedDir);
  const inner = await collect(pds.client.files.iterate({ ...team, parent_file_id: copiedDir.file_id }));
  assert.deepEqual(inner.map((f) => f.name), ['inner.txt']);
  await assert.rejects(pds.client.tasks.get('no-such-task'), isPds('NotFound', 404));
});

test('file/search by name match, exact name and parent', async () => {
  const dir = await mkdir('root', 'search-here');
  await put(dir, 'report-2024.txt', 'r');
  await put(dir, 'notes.txt', 'n');
  const byMatch = await collect(pds.client.files.iterateSearch({ drive_id: pds.driveId, query: 'name match "report"' }));
  assert.ok(byMatch.some((f) => f.name === 'report-2024.txt'));
  assert.ok(!byMatch.some((f) => f.name === 'notes.txt'));
  const inDir = await collect(pds.client.files.iterateSearch({ drive_id: pds.driveId, query: `parent_file_id = "${dir}" and type = "file"`, limit: 1 }));
  assert.deepEqual(inDir.map((f) => f.name).sort(), ['notes.txt', 'report-2024.txt']);
  const exact = await pds.client.files.search({ drive_id: pds.driveId, query: 'name = "notes.txt"' });
  assert.equal(exact.items.length, 1);
});

test('recycle bin: trash hides, list shows, restore brings back; delete removes', async () => {
  const f = await put('root', 'bin.txt', 'bin');
  const t = await pds.client.recycleBin.trash({ ...drive, file_id: f.file_id });
  await pds.client.tasks.settle(t);
  await assert.rejects(pds.client.files.get({ ...drive, file_id: f.file_id }), (e: unknown) => e instanceof PdsError && e.status >= 400);
  const root = await collect(pds.client.files.iterate({ ...drive, parent_file_id: 'root' }));
  assert.ok(!root.some((x) => x.file_id === f.file_id));
  const bin = await collect(pds.client.recycleBin.iterate(drive));
  assert.ok(bin.some((x) => x.file_id === f.file_id));
  await pds.client.tasks.settle(await pds.client.recycleBin.restore({ ...drive, file_id: f.file_id }));
  assert.equal((await pds.client.files.get({ ...drive, file_id: f.file_id })).name, 'bin.txt');
  await pds.client.tasks.settle(await pds.client.files.delete({ ...drive, file_id: f.file_id }));
  await assert.rejects(pds.client.files.get({ ...drive, file_id: f.file_id }), isPds('NotFound', 404));
  await assert.rejects(pds.client.files.get({ ...drive, file_id: 'missing-id' }), isPds('NotFound', 404));
});

test('change feed: get_last_cursor then list_delta sees each mutation', async () => {
  const cursor = await pds.client.delta.getLastCursor(drive);
  const f = await put('root', 'delta.txt', 'd');
  await pds.client.files.update({ ...drive, file_id: f.file_id, name: 'delta2.txt', check_name_mode: 'refuse' });
  await pds.client.tasks.settle(await pds.client.recycleBin.trash({ ...drive, file_id: f.file_id }));
  const ops: string[] = [];
  for await (const page of pds.client.delta.iterate({ ...drive, cursor, limit: 1 })) {
    for (const it of page.items) if (it.file_id === f.file_id) ops.push(it.op);
  }
  assert.equal(ops[0], 'create');
  assert.ok(ops.includes('rename') || ops.includes('update'), ops.join());
  assert.equal(ops.at(-1), 'trash');
  const last = await pds.client.delta.getLastCursor(drive);
  const empty = await pds.client.delta.list({ ...drive, cursor: last });
  assert.deepEqual([empty.items.length, empty.has_more], [0, false]);
});

test('a file still uploading is invisible to list and get', async () => {
  const r = await pds.client.uploads.create({ ...drive, parent_file_id: 'root', name: 'pending.bin', type: 'file', size: 10, check_name_mode: 'refuse' });
  assert.ok(r.upload_id);
  await assert.rejects(pds.client.files.get({ ...drive, file_id: r.file_id }), isPds('NotFound', 404));
  const root = await collect(pds.client.files.iterate({ ...drive, parent_file_id: 'root' }));
  assert.ok(!root.some((x) => x.file_id === r.file_id));
  const parts = await pds.client.uploads.listUploadedParts({ ...drive, file_id: r.file_id, upload_id: r.upload_id });
  assert.deepEqual(parts.uploaded_parts, []);
  await assert.rejects(pds.client.uploads.complete({ ...drive, file_id: r.file_id, upload_id: 'bogus' }), isPds('NotFound', 404));
});
