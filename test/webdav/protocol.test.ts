// Protocol edges over real HTTP: auth, OPTIONS, CORS, traversal, malformed XML and XXE, Depth,
// MKCOL, COPY/MOVE statuses, error statuses, trailing slashes, properties.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { AUTH, serve, type Served } from './harness.js';

let s: Served;
let dir: string;
const P = (name = '') => s.href(`${dir}${name}`);

before(async () => {
  s = await serve();
  dir = `${s.drivePath}/protocol`;
  assert.equal((await s.request('MKCOL', P())).status, 201);
  assert.equal((await s.request('PUT', P('/hello.txt'), { body: 'hello world' })).status, 201);
});
after(() => s?.close());

test('OPTIONS answers on any path without credentials or a challenge', async () => {
  for (const p of ['/', P(), '/no/such/path', '*']) {
    const r = await s.request('OPTIONS', p, { auth: false });
    assert.equal(r.status, 200, p);
    assert.match(String(r.headers.dav), /\b2\b/);
    assert.equal(r.headers['ms-author-via'], 'DAV');
    assert.match(String(r.headers.allow), /PROPFIND/);
    assert.equal(r.headers['www-authenticate'], undefined);
  }
});

test('everything else needs the right credentials', async () => {
  const none = await s.request('PROPFIND', P(), { auth: false, headers: { depth: '0' } });
  assert.equal(none.status, 401);
  assert.match(String(none.headers['www-authenticate']), /^Basic realm="pdsfs"/);
  const wrong = await s.request('GET', P('/hello.txt'), { auth: false, headers: { authorization: 'Basic ' + Buffer.from('tester:nope').toString('base64') } });
  assert.equal(wrong.status, 401);
  assert.ok(!wrong.text.includes('hello world'));
});

test('no CORS headers and no library Server banner', async () => {
  const r = await s.request('PROPFIND', P(), { headers: { depth: '0', origin: 'http://evil.example' } });
  assert.equal(r.status, 207);
  for (const h of Object.keys(r.headers)) assert.ok(!h.startsWith('access-control-'), h);
  assert.equal(r.headers.server, undefined);
});

test('path traversal cannot leave the namespace', async () => {
  for (const p of ['/drives/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', `${P()}/..%2f..%2f..%2fetc%2fpasswd`, '/drives/%2E%2E/', `${P()}/a%5c..%5c..`, '/%00', '/%']) {
    const r = await s.request('GET', p);
    assert.equal(r.status, 400, p);
    assert.ok(!r.text.includes('root:'), p);
  }
  // The server is still fine afterwards.
  assert.equal((await s.request('GET', P('/hello.txt'))).text, 'hello world');
});

test('PROPFIND: Depth infinity is refused with propfind-finite-depth', async () => {
  const r = await s.request('PROPFIND', P(), { headers: { depth: 'infinity' } });
  assert.equal(r.status, 403);
  assert.match(r.text, /propfind-finite-depth/);
});

test('malformed XML and XXE get 400, oversized bodies 413', async () => {
  const xxe = `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&x;</D:displayname></D:prop></D:propfind>`;
  for (const body of [xxe, '<D:propfind xmlns:D="DAV:"><D:prop>', 'not xml at all', '<D:propfind xmlns:D="DAV:"><D:prop><bar:foo xmlns:bar=""/></D:prop></D:propfind>']) {
    const r = await s.request('PROPFIND', P(), { headers: { depth: '0', 'content-type': 'application/xml' }, body });
    assert.equal(r.status, 400, body);
    assert.ok(!r.text.includes('root:'));
  }
  const pp = await s.request('PROPPATCH', P('/hello.txt'), { body: xxe.replace('propfind', 'propertyupdate') });
  assert.equal(pp.status, 400);
  const huge = `<D:propfind xmlns:D="DAV:"><D:prop>${'<D:displayname/>'.repeat(80_000)}</D:prop></D:propfind>`;
  assert.equal((await s.request('PROPFIND', P(), { headers: { depth: '0' }, body: huge })).status, 413);
});

test('only the requested properties come back; unknown ones are 404 in their own propstat', async () => {
  const body = `<D:propfind xmlns:D="DAV:" xmlns:x="urn:x"><D:prop><D:getcontentlength/><D:getcontenttype/><x:nope/></D:prop></D:propfind>`;
  const r = await s.request('PROPFIND', P('/hello.txt'), { headers: { depth: '0' }, body });
  assert.equal(r.status, 207);
  assert.match(r.text, /<D:getcontentlength>11<\/D:getcontentlength>/);
  assert.match(r.text, /<D:getcontenttype>text\/plain<\/D:getcontenttype>/);
  assert.match(r.text, /<x:nope xmlns:x="urn:x"\/><\/D:prop><D:status>HTTP\/1.1 404 Not Found/);
  assert.ok(!r.text.includes('getetag') && !r.text.includes('lockdiscovery'));
});

test('allprop carries the live properties; quota and checksums come on request', async () => {
  await s.started.vfs.drain();
  const all = await s.request('PROPFIND', P('/hello.txt'), { headers: { depth: '0' } });
  for (const p of ['resourcetype', 'getcontentlength', 'getlastmodified', 'creationdate', 'displayname', 'getetag', 'supportedlock']) assert.match(all.text, new RegExp(`<D:${p}`), p);
  assert.match(all.text, /<D:getlastmodified>\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT</);
  assert.match(all.text, /<D:creationdate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</);
  const body = `<D:propfind xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns"><D:prop><D:quota-available-bytes/><D:quota-used-bytes/><oc:checksums/></D:prop></D:propfind>`;
  const r = await s.request('PROPFIND', P('/hello.txt'), { headers: { depth: '0' }, body });
  assert.match(r.text, /<D:quota-available-bytes>\d+<\/D:quota-available-bytes>/);
  assert.match(r.text, /<D:quota-used-bytes>\d+<\/D:quota-used-bytes>/);
  // sha1("hello world")
  assert.match(r.text, /<oc:checksum>SHA1:2aae6c35c94fcfb415dbe95f408b9ce91ee846ed<\/oc:checksum>/);
});

test('collections answer with and without the trailing slash, never with a redirect', async () => {
  for (const p of [P(), P() + '/']) {
    const r = await s.request('PROPFIND', p, { headers: { depth: '1' } });
    assert.equal(r.status, 207, p);
    assert.match(r.text, /hello\.txt/);
  }
});

test('MKCOL: 415 with a body, 405 when it exists, 409 without a parent', async () => {
  assert.equal((await s.request('MKCOL', P('/withbody'), { body: '<x/>' })).status, 415);
  assert.equal((await s.request('MKCOL', P())).status, 405);
  assert.equal((await s.request('MKCOL', P('/no/parent'))).status, 409);
});

test('error statuses are specific, not a blanket 500', async () => {
  assert.equal((await s.request('GET', P('/missing'))).status, 404);
  assert.equal((await s.request('DELETE', P('/missing'))).status, 404);
  assert.equal((await s.request('PUT', P('/no/parent/f'), { body: 'x' })).status, 409);
  assert.equal((await s.request('PUT', P(), { body: 'x' })).status, 405);
  assert.equal((await s.request('PUT', '/drives/newfile', { body: 'x' })).status, 403);
  assert.equal((await s.request('DELETE', '/')).status, 403);
  assert.equal((await s.request('POST', P())).status, 501);
});

test('COPY and MOVE: Overwrite, Depth, 201/204/412/502', async () => {
  const dest = (p: string) => `${s.url.replace(/\/$/, '')}${P(p)}`;
  assert.equal((await s.request('COPY', P('/hello.txt'), { headers: { destination: dest('/copy.txt') } })).status, 201);
  assert.equal((await s.request('COPY', P('/hello.txt'), { headers: { destination: dest('/copy.txt'), overwrite: 'F' } })).status, 412);
  assert.equal((await s.request('COPY', P('/hello.txt'), { headers: { destination: dest('/copy.txt') } })).status, 204);
  assert.equal((await s.request('MOVE', P('/copy.txt'), { headers: { destination: dest('/moved.txt') } })).status, 201);
  assert.equal((await s.request('GET', P('/moved.txt'))).text, 'hello world');
  assert.equal((await s.request('GET', P('/copy.txt'))).status, 404);
  assert.equal((await s.request('MOVE', P('/moved.txt'), { headers: { destination: 'http://elsewhere.example/x' } })).status, 502);
  assert.equal((await s.request('MOVE', P('/moved.txt'), { headers: { destination: dest('/moved.txt') } })).status, 403);
  assert.equal((await s.request('MOVE', P('/moved.txt'))).status, 400);

  assert.equal((await s.request('MKCOL', P('/tree'))).status, 201);
  assert.equal((await s.request('PUT', P('/tree/leaf'), { body: 'leaf' })).status, 201);
  assert.equal((await s.request('COPY', P('/tree'), { headers: { destination: dest('/shallow'), depth: '0' } })).status, 201);
  const shallow = await s.request('PROPFIND', P('/shallow'), { headers: { depth: '1' } });
  assert.ok(!shallow.text.includes('leaf'));
  assert.equal((await s.request('COPY', P('/tree'), { headers: { destination: dest('/deep') } })).status, 201);
  assert.equal((await s.request('GET', P('/deep/leaf'))).text, 'leaf');
  assert.equal((await s.request('MOVE', P('/deep'), { headers: { destination: dest('/tree/inside') } })).status, 201);
  assert.equal((await s.request('MOVE', P('/tree'), { headers: { destination: dest('/tree/inside/x') } })).status, 403);
});

test('GET on a collection gives an HTML listing with escaped names', async () => {
  assert.equal((await s.request('PUT', P('/<script>alert(1)&amp;.txt'), { body: 'x' })).status, 201);
  const r = await s.request('GET', P(), { headers: { accept: 'text/html' } });
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
  assert.ok(r.text.includes('&lt;script&gt;alert(1)&amp;amp;.txt'));
  assert.ok(!r.text.includes('<script>'));
  assert.ok(r.text.includes('hello.txt'));
});

test('a body refused as too large leaves the keep-alive connection usable for the next request', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(s.url);
  const send = (method: string, body: string, chunked: boolean) =>
    new Promise<number>((resolve, reject) => {
      const headers: Record<string, string> = { authorization: AUTH, depth: '0', ...(chunked ? { 'transfer-encoding': 'chunked' } : {}) };
      const req = http.request({ host: url.hostname, port: url.port, method, path: P(), headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    const allprop = '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>';
    assert.equal(await send('PROPFIND', allprop, false), 207);
    // Chunked, so the limit is found while reading rather than from Content-Length. The next request
    // goes out on the same connection (one socket): it used to be reset (ECONNRESET).
    assert.equal(await send('PROPFIND', ' '.repeat(5 * 1024 * 1024), true), 413);
    assert.equal(await send('PROPFIND', allprop, false), 207);
  } finally {
    agent.destroy();
  }
});
