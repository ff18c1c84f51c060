// A folder the server lets the user only read, through a real FUSE mount: touch, mkdir, rm, mv and
// cp under it fail with EROFS ("Read-only file system") and change nothing, here or on the server; a
// permission taken away after the mount learnt the folder comes back from the server as EACCES. A
// team drive granted read-only on its root: its first refusal marks it, then the same EROFS.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { pds } from '../helpers/emulator.js';
import { type FuseFixture, startFixture, uploaded } from './fixture.js';
import { fuseUnavailable } from './harness.js';

const run = promisify(execFile);
const skip = fuseUnavailable();
const READ_ONLY = ['FILE.LIST', 'FILE.GET', 'FILE.PREVIEW', 'FILE.DOWNLOAD'] as const;

describe('FUSE: a read-only folder', { skip }, () => {
  let fx: FuseFixture;
  let roId: string;
  const api = (path: string, body: object) => pds<any>(fx.source.endpoint, fx.source.accessToken, path, { drive_id: fx.driveId, ...body });
  const writes = () => ['/v2/file/create', '/v2/file/update', '/v2/file/move', '/v2/file/copy', '/v2/recyclebin/trash', '/v2/file/delete']
    .reduce((n, p) => n + (fx.emu.stats.requests[p] ?? 0), 0);

  before(async () => {
    fx = await startFixture();
    await fs.writeFile(`${fx.mnt}/mine.txt`, 'mine');
    await fs.mkdir(`${fx.mnt}/ro`);
    await fs.mkdir(`${fx.mnt}/ro/sub`);
    await fs.writeFile(`${fx.mnt}/ro/kept.txt`, 'kept');
    await fx.remount({ freshCache: true }); // uploads everything; the next mount learns the permission with its first listing
    await fx.mount.stop();
    roId = (await api('file/list', { parent_file_id: 'root' })).body.items.find((i: { name: string }) => i.name === 'ro').file_id;
    fx.emu.setPermissions(roId, READ_ONLY);
    await fx.remount({ freshCache: true });
  });
  after(() => fx?.close());

  test('touch, mkdir, rm, rmdir, mv and cp under it fail with EROFS and change nothing', async () => {
    const ro = `${fx.mnt}/ro`;
    const before = writes();
    const tools: Array<[string, string[]]> = [
      ['touch', [`${ro}/new.txt`]],
      ['touch', [`${ro}/kept.txt`]],
      ['mkdir', [`${ro}/newdir`]],
      ['rm', [`${ro}/kept.txt`]],
      ['rmdir', [`${ro}/sub`]],
      ['mv', [`${ro}/kept.txt`, `${fx.mnt}/out.txt`]],
      ['mv', [`${fx.mnt}/mine.txt`, `${ro}/mine.txt`]],
      ['cp', [`${fx.mnt}/mine.txt`, `${ro}/copy.txt`]],
    ];
    for (const [tool, args] of tools) {
      const failed = await run(tool, args).then(() => undefined, (e: { stderr: string }) => e);
      assert.ok(failed, `${tool} ${args.join(' ')} succeeded`);
      assert.match(failed.stderr, /Read-only file system/, `${tool}: ${failed.stderr}`);
    }
    await assert.rejects(fs.mkdir(`${ro}/again`), { code: 'EROFS' });
    await assert.rejects(fs.writeFile(`${ro}/kept.txt`, 'changed'), { code: 'EROFS' });
    assert.deepEqual((await fs.readdir(ro)).sort(), ['kept.txt', 'sub']);
    assert.equal(await fs.readFile(`${ro}/kept.txt`, 'utf8'), 'kept');
    assert.ok((await fs.readdir(fx.mnt)).includes('mine.txt'));
    assert.equal(writes(), before, 'nothing was sent');
    const onServer = (await api('file/list', { parent_file_id: roId })).body.items.map((i: { name: string }) => i.name).sort();
    assert.deepEqual(onServer, ['kept.txt', 'sub']);
  });

  test('a permission revoked after the folder was listed: the server refuses, and the mount answers EACCES', async () => {
    await fs.mkdir(`${fx.mnt}/rw`);
    const rwId = (await api('file/list', { parent_file_id: 'root' })).body.items.find((i: { name: string }) => i.name === 'rw').file_id;
    fx.emu.setPermissions(rwId, READ_ONLY);
    await assert.rejects(fs.mkdir(`${fx.mnt}/rw/refused`), { code: 'EACCES' });
    assert.equal((await api('file/list', { parent_file_id: rwId })).body.items.length, 0);
  });

  test('the folder shows without write permission bits; elsewhere writes still work', async () => {
    const st = await fs.stat(`${fx.mnt}/ro`);
    assert.equal(st.mode & 0o222, 0, `mode ${st.mode.toString(8)}`);
    await fs.writeFile(`${fx.mnt}/elsewhere.txt`, 'ok');
    assert.equal(await fs.readFile(`${fx.mnt}/elsewhere.txt`, 'utf8'), 'ok');
  });
});

describe('FUSE: a team drive the user may only read (a read-only grant on its root)', { skip }, () => {
  let fx: FuseFixture;
  let team: string;
  const writes = () => ['/v2/file/create', '/v2/file/update', '/v2/file/move', '/v2/file/copy', '/v2/recyclebin/trash', '/v2/file/delete']
    .reduce((n, p) => n + (fx.emu.stats.requests[p] ?? 0), 0);

  before(async () => {
    fx = await startFixture();
    const drive = (await pds<any>(fx.source.endpoint, fx.source.accessToken, 'drive/list_my_group_drive', {})).body.items[0];
    await fx.remount({ wholeNamespace: true });
    team = `${fx.mnt}/drives/${drive.drive_name}`;
    await fs.writeFile(`${fx.mnt}/drives/${(await fs.readdir(`${fx.mnt}/drives`)).find((n) => n !== drive.drive_name)}/mine.txt`, 'mine');
    // Its upload must not land while a test counts the writes sent.
    await uploaded(fx);
    fx.emu.setPermissions('root', READ_ONLY, { driveId: drive.drive_id });
  });
  after(() => fx?.close());

  test('the first change in it comes back from PDS as EACCES; after it mkdir, touch and cp fail with EROFS, and nothing is sent', async () => {
    await assert.rejects(fs.mkdir(`${team}/first`), { code: 'EACCES' });
    const before = writes();
    const own = (await fs.readdir(`${fx.mnt}/drives`)).map((n) => `${fx.mnt}/drives/${n}`).find((p) => p !== team)!;
    for (const [tool, args] of [['mkdir', [`${team}/newdir`]], ['touch', [`${team}/new.txt`]], ['cp', [`${own}/mine.txt`, `${team}/mine.txt`]]] as const) {
      const failed = await run(tool, [...args]).then(() => undefined, (e: { stderr: string }) => e);
      assert.ok(failed, `${tool} ${args.join(' ')} succeeded`);
      assert.match(failed.stderr, /Read-only file system/, `${tool}: ${failed.stderr}`);
    }
    assert.equal(writes(), before, 'nothing was sent');
    assert.deepEqual(await fs.readdir(team), []);
    await fs.writeFile(`${own}/elsewhere.txt`, 'ok');
  });
});
