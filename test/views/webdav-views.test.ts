// The views through the WebDAV server: DELETE → trash/, MOVE out restores, DELETE inside purges;
// three versions of a file, byte-exact, one COPYed back out; search/; PROPPATCH of pdsfs:starred →
// starred/ (all or nothing with other instructions); and 403 for every other write into a view.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { jpegWithExif } from '../helpers/exif-images.js';
import { serve } from '../webdav/harness.js';

const s = await serve({ writeBackMs: 0 });
after(() => s.close());

const P = (p: string) => s.href(p);
const D = (p: string) => P(`${s.drivePath}${p}`);
const drain = () => s.started.vfs.drain();
const put = async (p: string, text: string) => {
  assert.ok([201, 204].includes((await s.request('PUT', D(p), { body: text })).status));
  await drain();
};
const listing = async (p: string) => {
  const r = await s.request('PROPFIND', P(p), { headers: { depth: '1' } });
  assert.equal(r.status, 207);
  const hrefs = [...r.text.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => decodeURIComponent(m[1]!));
  return hrefs.slice(1).map((h) => h.replace(/\/$/, '').split('/').pop()!).sort();
};
const propfind = (p: string, props: string) =>
  s.request('PROPFIND', P(p), { headers: { depth: '0' }, body: `<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:p="urn:pdsfs:"><D:prop>${props}</D:prop></D:propfind>` });
const proppatch = (p: string, inner: string) =>
  s.request('PROPPATCH', P(p), { body: `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:p="urn:pdsfs:" xmlns:z="urn:other:">${inner}</D:propertyupdate>` });

test('DELETE puts a file in trash/; MOVE out restores it; DELETE inside trash/ purges', async () => {
  await put('/gone.txt', 'deleted content\n');
  await put('/purge.txt', 'purged\n');
  assert.equal((await s.request('DELETE', D('/gone.txt'))).status, 204);
  assert.equal((await s.request('DELETE', D('/purge.txt'))).status, 204);
  assert.deepEqual(await listing('/trash/My Drive/'), ['gone.txt', 'purge.txt']);
  const moved = await s.request('MOVE', P('/trash/My Drive/gone.txt'), { headers: { destination: s.url.replace(/\/$/, '') + D('/back.txt') } });
  assert.equal(moved.status, 201);
  assert.equal((await s.request('GET', D('/back.txt'))).text, 'deleted content\n');
  assert.equal((await s.request('DELETE', P('/trash/My Drive/purge.txt'))).status, 204);
  assert.deepEqual(await listing('/trash/My Drive/'), []);
});

test('a file replaced twice has three byte-exact versions; COPY brings one back', async () => {
  const texts = ['first version\n', 'second, longer version\n', 'third\n'];
  for (const t of texts) await put('/doc.txt', t);
  const revs = await listing('/versions/My Drive/doc.txt/');
  assert.equal(revs.length, 3);
  const contents = await Promise.all(revs.map(async (r) => (await s.request('GET', P(`/versions/My Drive/doc.txt/${r}`))).text));
  assert.deepEqual([...contents].sort(), [...texts].sort());
  const first = revs[contents.indexOf(texts[0]!)]!;
  const copied = await s.request('COPY', P(`/versions/My Drive/doc.txt/${first}`), { headers: { destination: s.url.replace(/\/$/, '') + D('/doc-v1.txt') } });
  assert.equal(copied.status, 201);
  await drain();
  assert.equal((await s.request('GET', D('/doc-v1.txt'))).text, texts[0]);
});

test('search/<query>/ finds by name; PROPPATCH pdsfs:starred puts a file in starred/', async () => {
  await put('/needle-notes.txt', 'found\n');
  assert.deepEqual(await listing('/search/needle/'), ['needle-notes.txt']);
  assert.equal((await s.request('GET', P('/search/needle/needle-notes.txt'))).text, 'found\n');

  const set = await proppatch(`${s.drivePath}/needle-notes.txt`, '<D:set><D:prop><p:starred>1</p:starred><p:labels>work, urgent</p:labels></D:prop></D:set>');
  assert.equal(set.status, 207);
  assert.match(set.text, /200 OK/);
  assert.deepEqual(await listing('/starred/'), ['needle-notes.txt']);
  const got = await propfind('/starred/needle-notes.txt', '<p:starred/><p:labels/><p:description/>');
  assert.match(got.text, /starred xmlns:x="urn:pdsfs:">1</);
  assert.match(got.text, /labels xmlns:x="urn:pdsfs:">work,urgent</);

  // All or nothing: a bad value fails the whole PROPPATCH, the dead property beside it is not kept.
  const bad = await proppatch(`${s.drivePath}/needle-notes.txt`, '<D:set><D:prop><p:starred>maybe</p:starred><z:note>kept?</z:note></D:prop></D:set>');
  assert.equal(bad.status, 207);
  assert.match(bad.text, /409/);
  assert.match(bad.text, /424/);
  const after = await propfind(`${s.drivePath}/needle-notes.txt`, '<p:starred/><z:note xmlns:z="urn:other:"/>');
  assert.match(after.text, /starred xmlns:x="urn:pdsfs:">1</);
  assert.match(after.text, /404 Not Found/);
});

test('an image with EXIF shows in photos/<drive>/YYYY/MM/ with pdsfs:taken-at and pdsfs:location', async () => {
  const photo = jpegWithExif({ taken: '2022:07:04 12:00:00', latitude: 48.8584, longitude: 2.2945 });
  assert.equal((await s.request('PUT', D('/photo.jpg'), { body: photo })).status, 201);
  await drain();
  assert.deepEqual(await listing('/photos/My Drive/2022/07/'), ['photo.jpg']);
  assert.deepEqual((await s.request('GET', P('/photos/My Drive/2022/07/photo.jpg'))).body, photo);
  const got = await propfind(`${s.drivePath}/photo.jpg`, '<p:taken-at/><p:location/>');
  assert.match(got.text, /taken-at xmlns:x="urn:pdsfs:">2022-07-04T12:00:00.000Z</);
  assert.match(got.text, /location xmlns:x="urn:pdsfs:">48.858400,2.294500</);
  const set = await proppatch(`${s.drivePath}/photo.jpg`, '<D:set><D:prop><p:taken-at>2020-01-01T00:00:00Z</p:taken-at></D:prop></D:set>');
  assert.match(set.text, /403/);
});

test('writes into views are refused with 403', async () => {
  assert.equal((await s.request('MKCOL', P('/trash/My Drive/new'))).status, 403);
  assert.equal((await s.request('PUT', P('/starred/new.txt'), { body: 'x' })).status, 403);
  assert.equal((await s.request('PUT', P('/search/needle/needle-notes.txt'), { body: 'x' })).status, 403);
  assert.equal((await s.request('DELETE', P('/search/needle/needle-notes.txt'))).status, 403);
  const rev = (await listing('/versions/My Drive/doc.txt/'))[0]!;
  assert.equal((await s.request('DELETE', P(`/versions/My Drive/doc.txt/${rev}`))).status, 403);
  const into = await s.request('MOVE', D('/doc.txt'), { headers: { destination: s.url.replace(/\/$/, '') + P('/trash/My Drive/doc.txt') } });
  assert.equal(into.status, 403);
  assert.equal((await s.request('GET', D('/needle-notes.txt'))).text, 'found\n', 'nothing changed');
});
