// A folder the server lets the user only read (its action_list, through the PDS client into the
// metadata cache) is refused by the VFS with EROFS before anything is queued or sent; a permission
// revoked after the cache learnt it surfaces as EACCES from the server, and a pending upload into it
// fails at once (not retried) with its content kept in the recovery folder.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { pds, type StartedEmulator } from '../helpers/emulator.js';
import { uploadFile } from '../emulator/support.js';
import { readFile, type StartedApp, startApp, writeFile } from '../helpers/app.js';
import { VfsError } from '../../src/core/errors.js';

const READ_ONLY = ['FILE.LIST', 'FILE.GET', 'FILE.PREVIEW', 'FILE.DOWNLOAD'] as const;

describe('Vfs: read-only folders from the server’s permission fields', () => {
  let s: StartedApp;
  const api = (path: string, body: object) => pds<any>(s.endpoint, s.account.access_token, path, { drive_id: s.account.drive_id, ...body });
  const d = () => `/drives/${s.app.volumes[0]!.dirName}`;
  const writes = () => ['/v2/file/create', '/v2/file/update', '/v2/file/move', '/v2/file/copy', '/v2/recyclebin/trash', '/v2/file/delete']
    .reduce((n, p) => n + (s.emu.stats.requests[p] ?? 0), 0);
  let roId: string;
  let laterId: string;
  let revokedId: string;
  let targetId: string;
  let copyToId: string;

  before(async () => {
    s = await startApp({ drive: undefined, writeBackMs: 3_600_000 });
    roId = (await api('file/create', { parent_file_id: 'root', name: 'ro', type: 'folder' })).body.file_id;
    await api('file/create', { parent_file_id: roId, name: 'sub', type: 'folder' });
    await api('file/create', { parent_file_id: 'root', name: 'rw', type: 'folder' });
    laterId = (await api('file/create', { parent_file_id: 'root', name: 'later', type: 'folder' })).body.file_id;
    s.emu.setPermissions(laterId, READ_ONLY);
    revokedId = (await api('file/create', { parent_file_id: 'root', name: 'revoked', type: 'folder' })).body.file_id;
    await uploadFile(s as unknown as StartedEmulator, revokedId, 'f.txt', Buffer.from('f'));
    targetId = (await api('file/create', { parent_file_id: 'root', name: 'target', type: 'folder' })).body.file_id;
    copyToId = (await api('file/create', { parent_file_id: 'root', name: 'copy-to', type: 'folder' })).body.file_id;
    await uploadFile(s as unknown as StartedEmulator, roId, 'readable.txt', Buffer.from('readable'));
    // Before pdsfs lists anything: the permission reaches it with the listings (no change is logged for it).
    s.emu.setPermissions(roId, READ_ONLY);
    await writeFile(s.vfs, `${d()}/mine.txt`, Buffer.from('mine'));
    await s.vfs.drain();
  });
  after(() => s.close());

  test('stat shows the folder and what is in it read-only; the rest stays writable', async () => {
    assert.equal((await s.vfs.stat(`${d()}/ro`)).readOnly, true);
    assert.equal((await s.vfs.stat(`${d()}/ro/sub`)).readOnly, true);
    assert.equal((await s.vfs.stat(`${d()}/rw`)).readOnly, false);
    assert.equal((await s.vfs.stat(`${d()}/mine.txt`)).readOnly, false);
  });

  test('every change under it is refused with EROFS, and nothing reaches the server or the queues', async () => {
    const before = writes();
    const gets = s.emu.stats.requests['/v2/file/get'] ?? 0;
    const ro = `${d()}/ro`;
    const refused: Array<[string, () => Promise<unknown>]> = [
      ['mkdir', () => s.vfs.mkdir(`${ro}/new`)],
      ['mkdir in a subfolder', () => s.vfs.mkdir(`${ro}/sub/new`)],
      ['create', () => s.vfs.open(`${ro}/new.txt`, { read: false, write: true, create: true })],
      ['rename out', () => s.vfs.rename(`${ro}/sub`, `${d()}/sub-out`)],
      ['move in', () => s.vfs.rename(`${d()}/mine.txt`, `${ro}/mine.txt`)],
      ['copy in', () => s.vfs.copy(`${d()}/mine.txt`, `${ro}/sub/mine.txt`)],
      ['rmdir', () => s.vfs.remove(`${ro}/sub`)],
      ['rm -r of the folder', () => s.vfs.remove(ro, { recursive: true })],
      ['touch', () => s.vfs.setMtime(`${ro}/sub`, Date.now())],
    ];
    for (const [what, op] of refused) {
      await assert.rejects(op(), (e: unknown) => VfsError.is(e, 'EROFS'), what);
    }
    assert.equal(writes(), before, 'no write request was sent');
    // Each entry cached as read-only is asked about again once (ro, ro/sub), not once per refusal.
    assert.ok((s.emu.stats.requests['/v2/file/get'] ?? 0) - gets <= 2, `file/get: ${(s.emu.stats.requests['/v2/file/get'] ?? 0) - gets}`);
    assert.equal(s.admin.status().pendingFiles, 0);
    assert.deepEqual((await s.vfs.readdir(ro)).map((n) => n.name).sort(), ['readable.txt', 'sub']);
    assert.ok((await s.vfs.readdir(d())).some((n) => n.name === 'mine.txt'));
  });

  test('a permission revoked after the cache learnt the folder: EACCES from the server; a pending upload fails once, kept in the recovery folder', async () => {
    const rw = `${d()}/rw`;
    await s.vfs.readdir(rw);
    await writeFile(s.vfs, `${rw}/late.txt`, Buffer.from('late data'));
    assert.equal(s.admin.status().pendingFiles, 1);
    const rwId = (await api('file/list', { parent_file_id: 'root' })).body.items.find((i: { name: string }) => i.name === 'rw').file_id as string;
    s.emu.setPermissions(rwId, READ_ONLY);

    await assert.rejects(s.vfs.mkdir(`${rw}/refused`), (e: unknown) => VfsError.is(e, 'EACCES'));
    const creates = s.emu.stats.requests['/v2/file/create'] ?? 0;
    await s.vfs.drain();
    assert.equal((s.emu.stats.requests['/v2/file/create'] ?? 0) - creates, 1, 'tried once, not retried');
    const { failed } = s.admin.uploads(100);
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.lastError ?? '', /^EACCES/);
    assert.equal((await fs.readFile(failed[0]!.stagingPath)).toString(), 'late data', 'the content is kept in the recovery folder');
    const listed = (await api('file/list', { parent_file_id: rwId })).body.items;
    assert.equal(listed.length, 0, 'nothing was made on the server');
  });

  test('a refusal for permission marks the entry read-only in the cache: the next change there is refused here (EROFS), with no request', async () => {
    const dir = `${d()}/revoked`;
    await s.vfs.readdir(dir);
    assert.equal((await s.vfs.stat(dir)).readOnly, false);
    assert.equal((await s.vfs.stat(`${dir}/f.txt`)).readOnly, false);
    s.emu.setPermissions(revokedId, READ_ONLY);
    const requests = () => writes() + (s.emu.stats.requests['/v2/file/get'] ?? 0);

    // A new entry in the folder: the folder is refused, and marked.
    let before = requests();
    await assert.rejects(s.vfs.mkdir(`${dir}/one`), (e: unknown) => VfsError.is(e, 'EACCES'));
    assert.equal(requests() - before, 1, 'one request, refused by the server');
    assert.equal((await s.vfs.stat(dir)).readOnly, true);
    before = requests();
    await assert.rejects(s.vfs.mkdir(`${dir}/two`), (e: unknown) => VfsError.is(e, 'EROFS'));
    await assert.rejects(s.vfs.open(`${dir}/new.txt`, { read: false, write: true, create: true }), (e: unknown) => VfsError.is(e, 'EROFS'));
    assert.equal(requests(), before, 'refused here, without asking PDS');

    // An attribute change of the entry itself (not read-only in the cache yet) answers at once and
    // goes to PDS in the background: refused there, it is lost (a notice), its old time shows again,
    // and the entry is marked.
    const { mtime } = await s.vfs.stat(`${dir}/f.txt`);
    before = writes();
    await s.vfs.setMtime(`${dir}/f.txt`, Date.UTC(2021, 0, 1));
    assert.equal((await s.vfs.stat(`${dir}/f.txt`)).mtime, Date.UTC(2021, 0, 1), 'shown at once');
    await s.vfs.drain();
    assert.equal((await s.vfs.stat(`${dir}/f.txt`)).mtime, mtime, 'lost: the time the server has');
    assert.equal((await s.vfs.stat(`${dir}/f.txt`)).readOnly, true);
    assert.equal(s.admin.offline().changes.lost, 1, 'a notice says it was lost');
    await assert.rejects(s.vfs.setMtime(`${dir}/f.txt`, Date.UTC(2022, 0, 1)), (e: unknown) => VfsError.is(e, 'EROFS'));
    await s.vfs.drain();
    assert.equal(writes() - before, 1, 'only the first change reached PDS');
  });

  test('a move PDS refuses for permission: the server says which of the two is read-only, and only that one is marked', async () => {
    await s.vfs.readdir(`${d()}/target`);
    assert.equal((await s.vfs.stat(`${d()}/target`)).readOnly, false);
    s.emu.setPermissions(targetId, READ_ONLY);
    await assert.rejects(s.vfs.rename(`${d()}/mine.txt`, `${d()}/target/mine.txt`), (e: unknown) => VfsError.is(e, 'EACCES'));
    assert.equal((await s.vfs.stat(`${d()}/target`)).readOnly, true, 'the folder it was to go to');
    assert.equal((await s.vfs.stat(`${d()}/mine.txt`)).readOnly, false, 'the file moved stays writable');
    const before = writes();
    await assert.rejects(s.vfs.rename(`${d()}/mine.txt`, `${d()}/target/mine.txt`), (e: unknown) => VfsError.is(e, 'EROFS'));
    assert.equal(writes(), before, 'the second move was refused here');
  });

  test('a server-side copy PDS refuses for permission marks the folder it was to go in, like any other refusal', async () => {
    const dir = `${d()}/copy-to`;
    await s.vfs.readdir(dir);
    assert.equal((await s.vfs.stat(dir)).readOnly, false);
    s.emu.setPermissions(copyToId, READ_ONLY);
    const copies = () => s.emu.stats.requests['/v2/file/copy'] ?? 0;
    let before = copies();
    await assert.rejects(s.vfs.copy(`${d()}/mine.txt`, `${dir}/mine.txt`), (e: unknown) => VfsError.is(e, 'EACCES'));
    assert.equal(copies() - before, 1, 'refused by the server');
    assert.equal((await s.vfs.stat(dir)).readOnly, true, 'marked read-only in the cache');
    before = writes();
    await assert.rejects(s.vfs.copy(`${d()}/mine.txt`, `${dir}/again.txt`), (e: unknown) => VfsError.is(e, 'EROFS'));
    assert.equal(writes(), before, 'the second copy was refused here');
  });

  test('a permission given back after the folder was listed: the next change asks the server again and goes through', async () => {
    assert.equal((await s.vfs.stat(`${d()}/later`)).readOnly, true);
    s.emu.setPermissions(laterId, null);
    await s.vfs.mkdir(`${d()}/later/now`);
    assert.equal((await s.vfs.stat(`${d()}/later`)).readOnly, false);
    await s.vfs.drain();
    assert.deepEqual((await api('file/list', { parent_file_id: laterId })).body.items.map((i: { name: string }) => i.name), ['now']);
  });

  test('reads under a read-only folder still work', async () => {
    assert.equal((await s.vfs.stat(`${d()}/ro/readable.txt`)).readOnly, true);
    assert.equal((await readFile(s.vfs, `${d()}/ro/readable.txt`)).toString(), 'readable');
  });
});

describe('Vfs: a team drive the user may only read (a read-only grant on its root)', () => {
  let s: StartedApp;
  let team: string;
  let d: string;
  const writes = () => ['/v2/file/create', '/v2/file/update', '/v2/file/move', '/v2/file/copy', '/v2/recyclebin/trash', '/v2/file/delete']
    .reduce((n, p) => n + (s.emu.stats.requests[p] ?? 0), 0);

  before(async () => {
    s = await startApp({ drive: undefined, writeBackMs: 3_600_000 });
    team = s.account.team_drive_id;
    d = `/drives/${s.app.volumes.find((v) => v.id.endsWith(`:${team}`))!.dirName}`;
    await s.vfs.mkdir(`${d}/before`);
    await writeFile(s.vfs, `/drives/${s.app.volumes[0]!.dirName}/own.txt`, Buffer.from('own'));
    await s.vfs.drain();
    s.emu.setPermissions('root', READ_ONLY, { driveId: team });
  });
  after(() => s.close());

  test('no documented field tells beforehand: the first change in the root is refused by PDS (EACCES), and marks the drive read-only', async () => {
    assert.equal((await s.vfs.stat(d)).readOnly, false);
    let before = writes();
    await assert.rejects(s.vfs.mkdir(`${d}/refused`), (e: unknown) => VfsError.is(e, 'EACCES'));
    assert.equal(writes() - before, 1, 'one request, refused by the server');
    assert.equal((await s.vfs.stat(d)).readOnly, true, 'the drive root shows read-only');

    before = writes();
    const own = `/drives/${s.app.volumes[0]!.dirName}/own.txt`;
    const refused: Array<[string, () => Promise<unknown>]> = [
      ['mkdir', () => s.vfs.mkdir(`${d}/two`)],
      ['create', () => s.vfs.open(`${d}/new.txt`, { read: false, write: true, create: true })],
      ['copy in', () => s.vfs.copy(own, `${d}/own.txt`)],
      ['move in from another drive', () => s.vfs.rename(own, `${d}/own.txt`)],
    ];
    for (const [what, op] of refused) await assert.rejects(op(), (e: unknown) => VfsError.is(e, 'EROFS'), what);
    assert.equal(writes(), before, 'refused here, with no request');
    assert.equal(s.admin.status().pendingFiles, 0);
    assert.deepEqual((await s.vfs.readdir(d)).map((n) => n.name), ['before']);
  });

  test('the user’s own drive stays writable', async () => {
    const own = `/drives/${s.app.volumes[0]!.dirName}`;
    assert.equal((await s.vfs.stat(own)).readOnly, false);
    await s.vfs.mkdir(`${own}/still-mine`);
  });
});
