// Sharing a folder made offline: a share link is made on PDS by id, so it comes after the changes
// that wait for their replay (the folder has its PDS id then), as a restore from trash/ does; while
// PDS is unreachable it fails at once and makes nothing.
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { explain } from '../../src/shares/errors.js';
import { createShare, listShares } from '../../src/shares/manage.js';
import { goOffline, goOnline, startApp } from '../helpers/app.js';
import { whileReplayHeld } from '../helpers/replay-held.js';

const s = await startApp();
after(() => s.close());
afterEach(() => goOnline(s));

const DRIVE = '/drives/My Drive';

test('a folder made offline, shared while its replay waits, is shared under its PDS id once it is on PDS', async () => {
  await s.vfs.readdir(DRIVE);
  goOffline(s);
  await s.vfs.mkdir(`${DRIVE}/shared-offline`);
  const link = await whileReplayHeld(s, 'createDir', (_parent, name) => name === 'shared-offline', () => createShare(s.app, ['drives/My Drive/shared-offline'], {}));
  const { id } = await s.admin.locate(`${DRIVE}/shared-offline`);
  assert.ok(!id.startsWith('local:'), `on PDS: ${id}`);
  assert.deepEqual(link.file_id_list, [id]);
});

test('sharing while PDS is unreachable fails at once and makes no link', async () => {
  await s.vfs.mkdir(`${DRIVE}/kept-back`);
  await s.vfs.drain();
  const before = (await listShares(s.app, false)).length;
  goOffline(s);
  const problem = await createShare(s.app, ['drives/My Drive/kept-back'], {}).then(() => 'shared', explain);
  assert.match(problem, /kept-back: sharing needs PDS, which is unreachable/);
  goOnline(s);
  assert.equal((await listShares(s.app, false)).length, before);
});
