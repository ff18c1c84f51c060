// The share-link flow (docs/pds-wire-protocol.md, Share links): create with a password over a file and a folder,
// get_by_anonymous, get_share_token, list and get with x-share-token, copy into the owner's drive.
// Then the same through ShareRemote.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { VfsError } from '../../src/core/errors.js';
import { PdsError } from '../../src/pds/errors.js';
import { vfsCodeOf } from '../../src/pds/error-map.js';
import { collect } from '../../src/pds/paging.js';
import { bufferSource } from '../../src/pds/upload-source.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { ShareRemote } from '../../src/pds/share-remote.js';
import { ShareTokenCache } from '../../src/pds/share-tokens.js';
import { takesUploads } from '../../src/pds/api-shares.js';
import type { PdsShareLink } from '../../src/pds/wire-types.js';
import { readAll, startPds } from './fixture.js';

const pds = await startPds();
let share: PdsShareLink;
let fileId: string;
let folderId: string;

before(async () => {
  const drive = { drive_id: pds.driveId };
  const folder = await pds.client.uploads.create({ ...drive, parent_file_id: 'root', name: 'shared-dir', type: 'folder', check_name_mode: 'refuse' });
  folderId = folder.file_id;
  await pds.client.uploader.upload({ scope: drive, parentId: folderId, name: 'inside.txt', source: bufferSource(Buffer.from('inside')) });
  const file = await pds.client.uploader.upload({ scope: drive, parentId: 'root', name: 'shared.txt', source: bufferSource(Buffer.from('shared content')) });
  fileId = file.file_id;
  share = await pds.client.shareLinks.create({ ...drive, file_id_list: [fileId, folderId], share_pwd: 'testSharePwd', share_name: 'seed', expiration: new Date(Date.now() + 86_400_000).toISOString() });
});

test('owner side: create, get, list, update, cancel', async () => {
  assert.ok(share.share_id);
  assert.deepEqual([...share.file_id_list].sort(), [fileId, folderId].sort());
  assert.equal((await pds.client.shareLinks.get(share.share_id)).share_name, 'seed');
  const mine = await collect(pds.client.shareLinks.iterate({ limit: 1 }));
  assert.ok(mine.some((s) => s.share_id === share.share_id));
  const updated = await pds.client.shareLinks.update({ share_id: share.share_id, description: 'desc' });
  assert.equal(updated.description, 'desc');
  const temp = await pds.client.shareLinks.create({ drive_id: pds.driveId, file_id_list: [fileId] });
  await pds.client.shareLinks.cancel(temp.share_id);
  await assert.rejects(pds.client.shareLinks.getShareToken({ share_id: temp.share_id }), (e: unknown) => e instanceof PdsError && ['EACCES', 'ENOENT'].includes(vfsCodeOf(e)));
});

test('anonymous side: get_by_anonymous, share token, wrong password', async () => {
  const anon = pds.connect({ accessToken: undefined });
  const info = await anon.shareLinks.getByAnonymous(share.share_id);
  assert.deepEqual([info.share_name, info.has_pwd], ['seed', true]);
  const token = await anon.shareLinks.getShareToken({ share_id: share.share_id, share_pwd: 'testSharePwd' });
  assert.ok(token.share_token && token.expires_in > 0);
  await assert.rejects(
    anon.shareLinks.getShareToken({ share_id: share.share_id, share_pwd: 'wrong' }),
    (e: unknown) => e instanceof PdsError && e.code === 'InvalidResource.SharePwd' && vfsCodeOf(e) === 'EACCES',
  );
});

test('x-share-token access: list, get, download URL; copy into the owner drive', async () => {
  const anon = pds.connect({ accessToken: undefined });
  anon.useSharePassword(share.share_id, 'testSharePwd');
  const s = { share_id: share.share_id };
  const top = await collect(anon.files.iterate({ ...s, parent_file_id: 'root' }));
  assert.deepEqual(top.map((f) => f.name).sort(), ['shared-dir', 'shared.txt']);
  const inner = await collect(anon.files.iterate({ ...s, parent_file_id: folderId }));
  assert.deepEqual(inner.map((f) => f.name), ['inside.txt']);
  assert.equal((await anon.files.get({ ...s, file_id: fileId })).name, 'shared.txt');
  const bytes = await readAll(await anon.downloader.openRange({ scope: s, fileId, revision: '' }, 0, 13));
  assert.equal(bytes.toString(), 'shared content');
  // The owner's client saves the shared folder into its drive (bearer + share token).
  pds.client.useSharePassword(share.share_id, 'testSharePwd');
  const r = await pds.client.files.copy({ ...s, file_id: folderId, to_drive_id: pds.driveId, to_parent_file_id: 'root', new_name: 'saved-dir' });
  await pds.client.tasks.settle(r);
  const saved = await collect(pds.client.files.iterate({ drive_id: pds.driveId, parent_file_id: r.file_id }));
  assert.deepEqual(saved.map((f) => f.name), ['inside.txt']);
});

test('ShareRemote: read-only remote over the share', async () => {
  const remote = new ShareRemote(pds.client, share.share_id, { password: 'testSharePwd' });
  assert.equal(remote.volumeId, `share:${share.share_id}`);
  assert.equal(remote.capabilities.readOnly, true);
  const top = await collect(remote.list('root'));
  const file = top.find((e) => e.name === 'shared.txt');
  assert.ok(file);
  assert.equal((await readAll(await remote.openRange(file, 0, file.size - 1))).toString(), 'shared content');
  await assert.rejects(remote.createDir('root', 'x'), (e: unknown) => VfsError.is(e, 'EROFS'));
  const drive = new DriveRemote(pds.client, pds.driveId);
  const copied = await remote.copy(file.id, 'root', 'from-share.txt', drive);
  assert.deepEqual([copied.name, copied.size], ['from-share.txt', file.size]);
  const wrong = new ShareRemote(pds.connect({ accessToken: undefined }), share.share_id, { password: 'nope' });
  await assert.rejects(collect(wrong.list('root')), (e: unknown) => VfsError.is(e, 'EACCES'));
});

test('a share token the server rejects (ShareLinkTokenInvalid) is fetched again once', async () => {
  const client = pds.connect({ accessToken: undefined });
  let fetches = 0;
  const tokens = new ShareTokenCache(async (share_id, share_pwd) => {
    fetches++;
    if (fetches === 1) return { share_token: 'not-a-share-token', expires_in: 7200, expire_time: '' };
    return client.shareLinks.getShareToken({ share_id, share_pwd });
  });
  tokens.setPassword(share.share_id, 'testSharePwd');
  client.http.useShareTokens(tokens);
  const page = await client.files.list({ share_id: share.share_id, parent_file_id: 'root' });
  assert.equal(page.items.length, 2);
  assert.equal(fetches, 2);
});

test('a link takes uploads under either name of the flag: enable_upload (JS SDK, SDK guide) or creatable (tea spec)', () => {
  assert.equal(takesUploads({ enable_upload: true }), true);
  assert.equal(takesUploads({ creatable: true }), true);
  assert.equal(takesUploads({ creatable: false, enable_upload: false }), false);
  assert.equal(takesUploads({}), false);
});
