import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect } from '../../src/pds/paging.js';
import { PdsError } from '../../src/pds/errors.js';
import { startPds } from './fixture.js';

const pds = await startPds();

test('own drives from drive/list_my_drives, team drives from drive/list_my_group_drive; both usable', async () => {
  const own = await collect(pds.client.drives.iterateMine());
  assert.deepEqual(own.map((d) => d.drive_id), [pds.account.drive_id]);
  const team = await pds.client.drives.listMyGroupDrives({ limit: 1 });
  assert.deepEqual(team.items.map((d) => [d.drive_id, d.owner_type]), [[pds.account.team_drive_id, 'group']]);
  const usable = await collect(pds.client.drives.iterateUsable({ limit: 1 }));
  assert.deepEqual(usable.map((d) => d.drive_id), [pds.account.drive_id, pds.account.team_drive_id]);
});

test('drive/list pages through all drives of the domain', async () => {
  const drives = await collect(pds.client.drives.iterate({ limit: 1 }));
  assert.ok(drives.some((d) => d.drive_id === pds.account.team_drive_id && d.owner_type === 'group'));
});

test('drive/get and drive/get_default_drive', async () => {
  const d = await pds.client.drives.get(pds.driveId);
  assert.equal(d.drive_id, pds.driveId);
  assert.equal(typeof d.total_size, 'number');
  assert.equal(typeof d.used_size, 'number');
  const def = await pds.client.drives.getDefault();
  assert.equal(def.drive_id, pds.driveId);
  const byUser = await pds.client.drives.getDefault(pds.account.user_id);
  assert.equal(byUser.drive_id, pds.driveId);
});

test('drive/get of an unknown drive is NotFound', async () => {
  await assert.rejects(pds.client.drives.get('999999'), (e: unknown) => e instanceof PdsError && e.status === 404 && e.code.startsWith('NotFound'));
});

test('user/get answers the token user, times in epoch ms', async () => {
  const u = await pds.client.users.get();
  assert.equal(u.user_id, pds.account.user_id);
  assert.equal(u.default_drive_id, pds.driveId);
  assert.equal(typeof u.created_at, 'number');
  assert.equal((await pds.client.users.get(pds.account.user_id)).user_id, pds.account.user_id);
});

test('a call without credentials is refused with AccessTokenInvalid', async () => {
  const anon = pds.connect({ accessToken: 'not-a-token' });
  await assert.rejects(anon.users.get(), (e: unknown) => e instanceof PdsError && e.status === 401 && e.code === 'AccessTokenInvalid' && e.requestId !== '');
});
