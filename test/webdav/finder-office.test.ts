// What Finder, Explorer and Office do: virtual marker files, local-only ._* and .DS_Store files,
// LOCK on a new name before writing (a placeholder, no upload), Win32 times via PROPPATCH, and
// rclone's X-OC-Mtime.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VfsError } from '../../src/core/errors.js';
import { serve, type Served } from './harness.js';

let s: Served;
let dir: string;
const P = (name = '') => s.href(`${dir}${name}`);
const names = async (p: string) => (await s.started.vfs.readdir(p)).map((n) => n.name).sort();
const lockBody = `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner><D:href>office</D:href></D:owner></D:lockinfo>`;

before(async () => {
  s = await serve();
  dir = `${s.drivePath}/finder`;
  assert.equal((await s.request('MKCOL', P())).status, 201);
});
after(() => s?.close());

test('the never-index markers are empty virtual files wherever Finder looks', async () => {
  for (const p of ['/.metadata_never_index', '/.ql_disablethumbnails', P('/.metadata_never_index')]) {
    const get = await s.request('GET', p);
    assert.equal(get.status, 200, p);
    assert.equal(get.headers['content-length'], '0');
    const pf = await s.request('PROPFIND', p, { headers: { depth: '0' } });
    assert.equal(pf.status, 207);
    assert.match(pf.text, /<D:getcontentlength>0</);
  }
});

test('._* and .DS_Store files stay local: listed and readable, never in the Vfs', async () => {
  assert.equal((await s.request('PUT', P('/photo.jpg'), { body: 'jpeg bytes' })).status, 201);
  assert.equal((await s.request('PUT', P('/._photo.jpg'), { body: 'apple double' })).status, 201);
  assert.equal((await s.request('PUT', P('/.DS_Store'), { body: Buffer.alloc(6148, 1) })).status, 201);
  const listing = await s.request('PROPFIND', P(), { headers: { depth: '1' } });
  assert.match(listing.text, /\._photo\.jpg/);
  assert.match(listing.text, /\.DS_Store/);
  assert.equal((await s.request('GET', P('/._photo.jpg'))).text, 'apple double');
  assert.equal((await s.request('GET', P('/._photo.jpg'), { headers: { range: 'bytes=6-' } })).text, 'double');
  await s.started.vfs.drain();
  assert.deepEqual(await names(dir), ['photo.jpg']);
  // They follow their folder when it moves, and go when it is deleted.
  const dest = `${s.url.replace(/\/$/, '')}${s.href(`${s.drivePath}/finder-moved`)}`;
  assert.equal((await s.request('MOVE', P(), { headers: { destination: dest } })).status, 201);
  assert.equal((await s.request('GET', s.href(`${s.drivePath}/finder-moved/._photo.jpg`))).text, 'apple double');
  assert.equal((await s.request('MOVE', s.href(`${s.drivePath}/finder-moved`), { headers: { destination: `${s.url.replace(/\/$/, '')}${P()}` } })).status, 201);
  assert.equal((await s.request('DELETE', P('/._photo.jpg'))).status, 204);
  assert.equal((await s.request('GET', P('/._photo.jpg'))).status, 404);
});

test('LOCK on a new name makes a listed placeholder and uploads nothing; the token unlocks writing', async () => {
  const lock = await s.request('LOCK', P('/report.docx'), { headers: { timeout: 'Second-600' }, body: lockBody });
  assert.equal(lock.status, 201);
  const token = /<(.+)>/.exec(String(lock.headers['lock-token']))![1]!;
  assert.match(lock.text, /<D:timeout>Second-600<\/D:timeout>/);
  assert.match(lock.text, /<D:href>office<\/D:href>/);
  const listing = await s.request('PROPFIND', P(), { headers: { depth: '1' } });
  assert.match(listing.text, /report\.docx/);
  await assert.rejects(s.started.vfs.stat(`${dir}/report.docx`), (e) => VfsError.is(e, 'ENOENT'));

  assert.equal((await s.request('PUT', P('/report.docx'), { body: 'stolen' })).status, 423);
  assert.equal((await s.request('DELETE', P('/report.docx'))).status, 423);
  assert.equal((await s.request('PUT', P('/report.docx'), { headers: { if: `(<${token}>)` }, body: 'content' })).status, 201);
  const refresh = await s.request('LOCK', P('/report.docx'), { headers: { if: `(<${token}>)`, timeout: 'Second-60' } });
  assert.equal(refresh.status, 200);
  assert.match(refresh.text, /Second-60/);
  assert.equal((await s.request('UNLOCK', P('/report.docx'), { headers: { 'lock-token': '<urn:uuid:not-mine>' } })).status, 409);
  assert.equal((await s.request('UNLOCK', P('/report.docx'), { headers: { 'lock-token': `<${token}>` } })).status, 204);
  assert.equal((await s.request('GET', P('/report.docx'))).text, 'content');

  // A placeholder that is never written disappears at UNLOCK.
  const ghost = await s.request('LOCK', P('/ghost.tmp'), { body: lockBody });
  assert.equal(ghost.status, 201);
  assert.equal((await s.request('GET', P('/ghost.tmp'))).status, 200);
  assert.equal((await s.request('UNLOCK', P('/ghost.tmp'), { headers: { 'lock-token': String(ghost.headers['lock-token']) } })).status, 204);
  assert.equal((await s.request('GET', P('/ghost.tmp'))).status, 404);
  await s.started.vfs.drain();
  assert.ok(!(await names(dir)).includes('ghost.tmp'));
});

test('PROPPATCH: Win32LastModifiedTime sets the mtime, dead properties persist, many set/remove at once', async () => {
  assert.equal((await s.request('PUT', P('/doc.txt'), { body: 'doc' })).status, 201);
  const when = 'Wed, 01 May 2024 10:00:00 GMT';
  const body = `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:" xmlns:x="urn:x">
    <D:set><D:prop><Z:Win32CreationTime>${when}</Z:Win32CreationTime></D:prop></D:set>
    <D:set><D:prop><Z:Win32LastModifiedTime>${when}</Z:Win32LastModifiedTime></D:prop></D:set>
    <D:set><D:prop><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes><x:color>blue</x:color></D:prop></D:set>
    <D:remove><D:prop><x:absent/></D:prop></D:remove></D:propertyupdate>`;
  const r = await s.request('PROPPATCH', P('/doc.txt'), { body });
  assert.equal(r.status, 207);
  assert.equal((r.text.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 1);
  assert.match(r.text, /<Z:Win32LastModifiedTime\/>/);
  assert.equal((await s.started.vfs.stat(`${dir}/doc.txt`)).mtime, Date.parse(when));
  const pf = await s.request('PROPFIND', P('/doc.txt'), { headers: { depth: '0' } });
  assert.match(pf.text, /<D:getlastmodified>Wed, 01 May 2024 10:00:00 GMT</);
  assert.match(pf.text, /<x:color xmlns:x="urn:x">blue<\/x:color>/);
  assert.match(pf.text, /<Z:Win32FileAttributes>00000020</);

  const bad = await s.request('PROPPATCH', P('/doc.txt'), {
    body: `<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop><x:color>red</x:color><D:getetag>x</D:getetag></D:prop></D:set></D:propertyupdate>`,
  });
  assert.match(bad.text, /403 Forbidden/);
  assert.match(bad.text, /424 Failed Dependency/);
  assert.match((await s.request('PROPFIND', P('/doc.txt'), { headers: { depth: '0' } })).text, /blue/);
});

test('X-OC-Mtime on PUT sets the mtime (rclone, Nextcloud clients)', async () => {
  const r = await s.request('PUT', P('/synced.txt'), { headers: { 'x-oc-mtime': '1700000000' }, body: 'synced' });
  assert.equal(r.status, 201);
  assert.equal(r.headers['x-oc-mtime'], 'accepted');
  assert.equal((await s.started.vfs.stat(`${dir}/synced.txt`)).mtime, 1_700_000_000_000);
});

test("rclone's PROPPATCH of DAV:lastmodified (Unix seconds) with oc:checksums sets the mtime", async () => {
  assert.equal((await s.request('PUT', P('/rclone.txt'), { body: 'from rclone' })).status, 201);
  const body = `<?xml version="1.0" encoding="utf-8" ?>
<D:propertyupdate xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns"><D:set><D:prop>
<lastmodified xmlns="DAV:">1600000000</lastmodified>
<oc:checksums><oc:checksum>SHA1:0123</oc:checksum></oc:checksums>
</D:prop></D:set></D:propertyupdate>`;
  const r = await s.request('PROPPATCH', P('/rclone.txt'), { body });
  assert.equal(r.status, 207);
  assert.ok(!/HTTP\/1.1 (4|5)\d\d/.test(r.text), r.text);
  assert.equal((await s.started.vfs.stat(`${dir}/rclone.txt`)).mtime, 1_600_000_000_000);
  const props = await s.request('PROPFIND', P('/rclone.txt'), { headers: { depth: '0' } });
  assert.match(props.text, /<D:getlastmodified>Sun, 13 Sep 2020 12:26:40 GMT</);
});

test('listings and Finder probe bursts are answered from the cache, with no call per child', async () => {
  const many = `${dir}/many`;
  assert.equal((await s.request('MKCOL', s.href(many))).status, 201);
  for (let i = 0; i < 25; i++) assert.equal((await s.request('PUT', s.href(`${many}/f${i}.txt`), { body: `${i}` })).status, 201);
  await s.started.vfs.drain();
  const before = s.started.admin.status().listCalls;
  const first = await s.request('PROPFIND', s.href(many), { headers: { depth: '1' } });
  assert.equal((first.text.match(/<D:response>/g) ?? []).length, 26);
  assert.ok(s.started.admin.status().listCalls - before <= 1, `${s.started.admin.status().listCalls - before} listing calls for one PROPFIND`);
  const warm = s.started.admin.status().listCalls;
  const probes = ['/', '/._.', '/.Spotlight-V100', '/Backups.backupdb', '/mach_kernel', P('/._many'), s.href(many), s.href(`${many}/._f1.txt`), s.href(many)];
  for (const p of probes) assert.ok([207, 404].includes((await s.request('PROPFIND', p, { headers: { depth: '0' } })).status), p);
  await s.request('PROPFIND', s.href(many), { headers: { depth: '1' } });
  assert.equal(s.started.admin.status().listCalls, warm);
});
