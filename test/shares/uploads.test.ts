// A share link that allows uploads (creatable) is writable below its shared folders: new folders and
// files go into the owner's drive through share_id + x-share-token. Nothing else changes there, and
// a link without uploads stays read-only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bytes } from '../contract/vfs-scenarios.js';
import { readFile, startApp, writeFile } from '../helpers/app.js';
import { mkdir, MY_DRIVE, rejectsWith, share, upload } from './support.js';

const s = await startApp();
after(() => s.close());

before(async () => {
  const { client } = s.app;
  const drive = s.account.drive_id;
  const inbox = await mkdir(client, drive, 'root', 'inbox');
  await upload(client, drive, inbox, 'existing.txt', Buffer.from('already here\n'));
  const closed = await mkdir(client, drive, 'root', 'closed');
  const dropbox = await share(client, drive, [inbox], { share_name: 'dropbox', creatable: true });
  const readOnly = await share(client, drive, [closed], { share_name: 'readonly' });
  await s.restart({ shares: [dropbox.share_id, readOnly.share_id] });
});

test('a creatable share takes new folders and files, which land in the owner drive', async () => {
  const data = bytes(300_000, 3);
  await s.vfs.mkdir('/shares/dropbox/inbox/incoming');
  await writeFile(s.vfs, '/shares/dropbox/inbox/incoming/upload.bin', data);
  await s.vfs.drain();
  assert.equal(s.admin.status().failedFiles, 0);
  assert.deepEqual((await s.vfs.readdir('/shares/dropbox/inbox/incoming')).map((n) => [n.name, n.size]), [['upload.bin', data.length]]);
  await s.admin.pollNow();
  assert.ok(data.equals(await readFile(s.vfs, `${MY_DRIVE}/inbox/incoming/upload.bin`)));
  assert.equal((await s.vfs.stat('/shares/dropbox/inbox')).readOnly, false);
});

test('a creatable share adds only: next to the shared folders, and removals or renames, answer EACCES', async () => {
  await rejectsWith(s.vfs.mkdir('/shares/dropbox/beside'), 'EACCES');
  await rejectsWith(s.vfs.remove('/shares/dropbox/inbox/existing.txt'), 'EACCES');
  await rejectsWith(s.vfs.rename('/shares/dropbox/inbox/existing.txt', '/shares/dropbox/inbox/moved.txt'), 'EACCES');
  assert.equal((await readFile(s.vfs, `${MY_DRIVE}/inbox/existing.txt`)).toString(), 'already here\n');
});

test('a share without uploads stays read-only', async () => {
  await rejectsWith(s.vfs.mkdir('/shares/readonly/closed/x'), 'EROFS');
  await rejectsWith(writeFile(s.vfs, '/shares/readonly/closed/x.txt', Buffer.from('x')), 'EROFS');
});
