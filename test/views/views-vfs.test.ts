// The views through the VFS seam both front-ends use, on the real local PDS server: trash/
// (listed, restored by a move, purged by a delete), versions/ (one byte-exact file per revision,
// copied out to get an old version back), search/, starred/, and the read-only refusals.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { readFile, startApp, writeFile } from '../helpers/app.js';
import { jpegWithExif } from '../helpers/exif-images.js';
import { rejectsWith, upload } from '../shares/support.js';

const s = await startApp();
after(() => s.close());

const DRIVE = '/drives/My Drive';
const names = async (p: string) => (await s.vfs.readdir(p)).map((n) => n.name).sort();
const put = async (p: string, text: string) => {
  await writeFile(s.vfs, p, Buffer.from(text));
  await s.vfs.drain();
};

test('the root shows the views beside drives/ and shares/, each with a folder per drive', async () => {
  assert.deepEqual(await names('/'), ['drives', 'photos', 'search', 'shares', 'starred', 'trash', 'versions']);
  assert.deepEqual(await names('/trash'), ['My Drive', 'Team Drive']);
  assert.deepEqual(await names('/versions'), ['My Drive', 'Team Drive']);
  assert.equal((await s.vfs.stat('/trash')).readOnly, true);
});

test('a deleted file appears in trash/, a move out restores it there, a delete inside purges it', async () => {
  await s.vfs.mkdir(`${DRIVE}/keep`);
  await put(`${DRIVE}/gone.txt`, 'deleted content\n');
  await put(`${DRIVE}/purge.txt`, 'purged\n');
  await s.vfs.remove(`${DRIVE}/gone.txt`);
  await s.vfs.remove(`${DRIVE}/purge.txt`);
  assert.deepEqual(await names('/trash/My Drive'), ['gone.txt', 'purge.txt']);
  const info = await s.vfs.stat('/trash/My Drive/gone.txt');
  assert.equal(info.size, 'deleted content\n'.length);
  // The local server, like PDS for every other request on a trashed file, serves no content.
  await rejectsWith(readFile(s.vfs, '/trash/My Drive/gone.txt'), 'EACCES', /move it out of trash\/ to read it/);

  await s.vfs.rename('/trash/My Drive/gone.txt', `${DRIVE}/keep/back.txt`);
  assert.deepEqual(await names('/trash/My Drive'), ['purge.txt']);
  assert.equal((await readFile(s.vfs, `${DRIVE}/keep/back.txt`)).toString(), 'deleted content\n');

  await s.vfs.remove('/trash/My Drive/purge.txt');
  assert.deepEqual(await names('/trash/My Drive'), []);
  const bin = await s.app.client.recycleBin.list({ drive_id: s.account.drive_id });
  assert.equal(bin.items.length, 0, 'purged for good');
});

test('a move out of trash/ that PDS refuses (the name taken there meanwhile) leaves the entry in the bin, not restored at its old place', async () => {
  await s.vfs.mkdir(`${DRIVE}/taken`);
  await put(`${DRIVE}/moved.txt`, 'in the bin\n');
  await s.vfs.remove(`${DRIVE}/moved.txt`);
  // Another client takes the name; this cache has not heard of it (no poll since).
  const { id: taken } = await s.admin.locate(`${DRIVE}/taken`);
  await upload(s.app.client, s.account.drive_id, taken, 'moved.txt', Buffer.from('theirs\n'));
  await rejectsWith(s.vfs.rename('/trash/My Drive/moved.txt', `${DRIVE}/taken/moved.txt`), 'EEXIST');
  assert.ok((await names('/trash/My Drive')).includes('moved.txt'), 'still in the bin');
  assert.ok(!(await names(DRIVE)).includes('moved.txt'), 'not restored at its old place');
  assert.equal((await readFile(s.vfs, `${DRIVE}/taken/moved.txt`)).toString(), 'theirs\n');
});

test('a file replaced twice has three byte-exact entries in versions/, and copying one out brings it back', async () => {
  await put(`${DRIVE}/doc.txt`, 'first version\n');
  await put(`${DRIVE}/doc.txt`, 'second, longer version\n');
  await put(`${DRIVE}/doc.txt`, 'third\n');
  assert.ok((await names('/versions/My Drive')).includes('doc.txt'));
  assert.equal((await s.vfs.stat('/versions/My Drive/doc.txt')).kind, 'dir');
  const revs = await s.vfs.readdir('/versions/My Drive/doc.txt');
  assert.equal(revs.length, 3);
  for (const r of revs) assert.match(r.name, /^\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\dZ( \(pds-[0-9a-f]+\))?\.txt$/);
  const contents = await Promise.all(revs.map(async (r) => (await readFile(s.vfs, r.path)).toString()));
  assert.deepEqual([...contents].sort(), ['first version\n', 'second, longer version\n', 'third\n']);
  const first = revs[contents.indexOf('first version\n')]!;
  // Revisions are read through the block cache: a second read downloads nothing.
  const downloads = s.emu.stats.requests['GET data'] ?? 0;
  assert.ok(downloads > 0, 'the first reads downloaded');
  assert.equal((await readFile(s.vfs, first.path)).toString(), 'first version\n');
  assert.equal(s.emu.stats.requests['GET data'] ?? 0, downloads);
  assert.ok(!first.name.includes('(pds-'), 'the oldest of same-second revisions keeps the plain name');
  await s.vfs.copy(first.path, `${DRIVE}/doc-restored.txt`);
  await s.vfs.drain();
  assert.equal((await readFile(s.vfs, `${DRIVE}/doc-restored.txt`)).toString(), 'first version\n');
});

test('search/<query>/ finds files by name across the drives; starred/ shows starred files', async () => {
  await put(`${DRIVE}/keep/needle-report.txt`, 'found me\n');
  await put(`${DRIVE}/other.txt`, 'not me\n');
  assert.deepEqual(await names('/search/needle'), ['needle-report.txt']);
  assert.equal((await readFile(s.vfs, '/search/needle/needle-report.txt')).toString(), 'found me\n');
  assert.deepEqual(await names('/search/"quoted\\'), []);

  assert.deepEqual(await names('/starred'), []);
  await s.vfs.setMeta(`${DRIVE}/other.txt`, { starred: true });
  assert.deepEqual(await names('/starred'), ['other.txt']);
  assert.equal((await s.vfs.meta(`${DRIVE}/other.txt`))?.starred, true);
  await s.vfs.setMeta('/starred/other.txt', { starred: false, labels: ['a', 'b'], description: 'desc' });
  assert.deepEqual(await names('/starred'), []);
  assert.deepEqual(await s.vfs.meta(`${DRIVE}/other.txt`), { starred: false, labels: ['a', 'b'], description: 'desc' });
});

test('an image with EXIF shows in photos/<drive>/YYYY/MM/ by capture time, with its time and place', async () => {
  const photo = jpegWithExif({ taken: '2024:05:17 10:04:05', latitude: 40.110333, longitude: 116.349444 });
  await writeFile(s.vfs, `${DRIVE}/keep/photo.jpg`, photo);
  await s.vfs.drain();
  assert.deepEqual(await names('/photos'), ['My Drive', 'Team Drive']);
  assert.deepEqual(await names('/photos/My Drive'), ['2024']);
  assert.deepEqual(await names('/photos/My Drive/2024'), ['05']);
  assert.deepEqual(await names('/photos/My Drive/2024/05'), ['photo.jpg']);
  assert.deepEqual(await readFile(s.vfs, '/photos/My Drive/2024/05/photo.jpg'), photo);
  assert.equal((await s.vfs.stat('/photos/My Drive/2024/05/photo.jpg')).mtime, Date.parse('2024-05-17T10:04:05Z'));
  const meta = await s.vfs.meta(`${DRIVE}/keep/photo.jpg`);
  assert.equal(meta?.takenAt, '2024-05-17T10:04:05.000Z');
  assert.equal(meta?.location, '40.110333,116.349444');
  await rejectsWith(s.vfs.remove('/photos/My Drive/2024/05/photo.jpg'), 'EROFS');
});

test('views are read-only: every write is EROFS, except a move out of trash/ and a delete inside it', async () => {
  await put(`${DRIVE}/ro.txt`, 'x');
  await rejectsWith(s.vfs.mkdir('/trash/My Drive/new'), 'EROFS');
  await rejectsWith(s.vfs.mkdir('/search/new'), 'EROFS');
  await rejectsWith(s.vfs.open('/starred/new.txt', { read: false, write: true, create: true }), 'EROFS');
  await rejectsWith(s.vfs.open('/search/needle/needle-report.txt', { read: true, write: true }), 'EROFS');
  await rejectsWith(s.vfs.rename(`${DRIVE}/ro.txt`, '/trash/My Drive/ro.txt'), 'EROFS');
  await rejectsWith(s.vfs.copy(`${DRIVE}/ro.txt`, '/versions/My Drive/ro.txt/x'), 'EROFS');
  await rejectsWith(s.vfs.remove('/search/needle/needle-report.txt'), 'EROFS');
  const rev = (await s.vfs.readdir('/versions/My Drive/ro.txt'))[0]!;
  await rejectsWith(s.vfs.remove(rev.path), 'EROFS');
  await rejectsWith(s.vfs.rename(rev.path, `${DRIVE}/x.txt`), 'EROFS');
  await rejectsWith(s.vfs.setMtime(rev.path, Date.now()), 'EROFS');
  await rejectsWith(s.vfs.remove('/trash'), 'EROFS');
  assert.deepEqual(await names('/search/needle'), ['needle-report.txt'], 'nothing changed');
});

test('with --drive the views are hidden unless --show-views; the attributes work either way', async () => {
  await s.restart({ drive: 'My Drive' });
  const root = await names('/');
  assert.ok(root.includes('keep') && !root.includes('trash') && !root.includes('photos'));
  await rejectsWith(s.vfs.readdir('/trash'), 'ENOENT');
  await s.vfs.setMeta('/other.txt', { starred: true });
  assert.equal((await s.vfs.meta('/other.txt'))?.starred, true);

  await s.restart({ drive: 'My Drive', showViews: true });
  assert.ok((await names('/')).includes('trash'));
  assert.deepEqual(await names('/starred'), ['other.txt']);
  assert.deepEqual(await names('/versions/My Drive/keep'), ['back.txt', 'needle-report.txt', 'photo.jpg']);
});
