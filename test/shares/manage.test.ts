// The share commands' logic in-process (what the CLI runs, without a process per case): PATHs
// resolved through the namespace, settings checked, and every failure explained in words.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { explain } from '../../src/shares/errors.js';
import { cancelShare, createShare, listShares, shareInfo, updateShare } from '../../src/shares/manage.js';
import { saveFromShare } from '../../src/shares/save.js';
import { startApp } from '../helpers/app.js';
import { mkdir, share, upload } from './support.js';

const s = await startApp();
after(() => s.close());

const ids: Record<string, string> = {};

before(async () => {
  const { client } = s.app;
  const drive = s.account.drive_id;
  ids.album = await mkdir(client, drive, 'root', 'album');
  await upload(client, drive, ids.album, 'photo.jpg', Buffer.from('jpeg'));
  ids.top = await upload(client, drive, 'root', 'top.txt', Buffer.from('top\n'));
  await upload(client, s.account.team_drive_id, 'root', 'team.txt', Buffer.from('team\n'));
  ids.expired = (await share(client, drive, [ids.top], { expiration: new Date(Date.now() - 1000).toISOString() })).share_id;
  ids.locked = (await share(client, drive, [ids.album, ids.top], { share_pwd: 'pw' })).share_id;
});

/** The message the CLI would print for this failure. */
async function problem(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return explain(err);
  }
  assert.fail('expected a failure');
}

test('create: paths of one drive, settings applied; list and info see it', async () => {
  const link = await createShare(s.app, ['drives/My Drive/album', 'drives/My Drive/top.txt'], { expire: '12h', description: 'd', creatable: true });
  assert.deepEqual(link.file_id_list, [ids.album, ids.top]);
  assert.equal(link.share_name, 'album', 'the default name is the first item\'s');
  assert.equal(link.creatable, true);
  assert.ok(Math.abs(Date.parse(link.expiration) - Date.now() - 12 * 3_600_000) < 60_000);
  assert.ok((await listShares(s.app, false)).some((l) => l.share_id === link.share_id));
  assert.equal((await shareInfo(s.app, link.share_id)).enable_upload, true, 'the public view names the flag enable_upload (SDK guide)');
  await cancelShare(s.app, link.share_id);
  assert.ok(!(await listShares(s.app, false)).some((l) => l.share_id === link.share_id));
  assert.ok((await listShares(s.app, true)).some((l) => l.share_id === link.share_id));
});

test('create: bad paths and settings are named', async () => {
  assert.equal(await problem(createShare(s.app, ['drives/My Drive/nope'], {})), '/drives/My Drive/nope: no such file or directory');
  assert.match(await problem(createShare(s.app, ['drives/My Drive/top.txt', 'drives/Team Drive/team.txt'], {})), /all PATHs must be in one drive: .* "My Drive", .* "Team Drive"/);
  assert.match(await problem(createShare(s.app, ['drives/My Drive'], {})), /a whole drive cannot be shared/);
  assert.match(await problem(createShare(s.app, ['shares'], {})), /^\/shares: /);
  assert.match(await problem(createShare(s.app, [], {})), /at least one PATH/);
  assert.match(await problem(createShare(s.app, ['drives/My Drive/top.txt'], { expire: 'soon' })), /--expire soon: give a duration/);
  assert.match(await problem(createShare(s.app, ['drives/My Drive/top.txt'], { password: 'with space' })), /--password: up to 64 visible ASCII/);
});

test('info, update and cancel: unknown, expired, cancelled links and wrong passwords are named', async () => {
  assert.equal(await problem(shareInfo(s.app, 'NoSuchShare1')), 'no such share link');
  assert.equal(await problem(shareInfo(s.app, ids.expired!)), 'the share link has expired');
  assert.equal(await problem(shareInfo(s.app, `${ids.locked}:wrong`)), 'wrong or missing password');
  assert.equal((await shareInfo(s.app, `${ids.locked}:pw`)).has_pwd, true);
  assert.equal(await problem(updateShare(s.app, 'NoSuchShare1', { name: 'x' })), 'no such share link');
  assert.match(await problem(updateShare(s.app, ids.locked!, {})), /nothing to change/);
  assert.equal(await problem(cancelShare(s.app, 'NoSuchShare1')), 'no such share link');
  const gone = (await share(s.app.client, s.account.drive_id, [ids.top!])).share_id;
  await cancelShare(s.app, gone);
  assert.equal(await problem(updateShare(s.app, gone, { name: 'x' })), 'the share link was cancelled');
});

test('save: problems with the share, its paths and the destination are named', async () => {
  const locked = ids.locked!;
  assert.equal(await problem(saveFromShare(s.app, locked, '/', 'drives/My Drive')), `share ${locked}: wrong or missing password`);
  assert.equal(await problem(saveFromShare(s.app, ids.expired!, '/', 'drives/My Drive')), `share ${ids.expired}: the share link has expired`);
  assert.equal(await problem(saveFromShare(s.app, 'NoSuchShare1', '/', 'drives/My Drive')), 'share NoSuchShare1: no such share link');
  assert.equal(await problem(saveFromShare(s.app, `${locked}:pw`, 'album/missing.jpg', 'drives/My Drive')), `album/missing.jpg: no such file or directory in share ${locked}`);
  assert.equal(await problem(saveFromShare(s.app, `${locked}:pw`, 'top.txt/x', 'drives/My Drive')), `top.txt: not a folder in share ${locked}`);
  assert.equal(await problem(saveFromShare(s.app, `${locked}:pw`, 'top.txt', 'drives/My Drive/top.txt')), 'drives/My Drive/top.txt: not a folder');
  assert.equal(await problem(saveFromShare(s.app, `${locked}:pw`, 'top.txt', 'drives/My Drive')), '/drives/My Drive/top.txt: already exists');
  assert.match(await problem(saveFromShare(s.app, `${locked}:pw`, 'top.txt', 'shares')), /^\/shares: /);
  const saved = await saveFromShare(s.app, `${locked}:pw`, 'album/photo.jpg', 'drives/Team Drive');
  assert.deepEqual(saved, [{ name: 'photo.jpg', kind: 'file', path: '/drives/Team Drive/photo.jpg', size: 4 }]);
});
