// GET/HEAD validators and byte ranges over real HTTP, on a file large enough to span blocks.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { bytes } from '../contract/vfs-scenarios.js';
import { serve, type Served } from './harness.js';

let s: Served;
let file: string;
const data = bytes(2 * 1024 * 1024 + 777, 3);
const sha1 = createHash('sha1').update(data).digest('hex').toUpperCase();

before(async () => {
  s = await serve();
  file = s.href(`${s.drivePath}/range.bin`);
  assert.equal((await s.request('PUT', file, { body: data })).status, 201);
  await s.started.vfs.drain();
});
after(() => s?.close());

test('the ETag is the quoted content hash; HEAD has the exact length and no body', async () => {
  const r = await s.request('HEAD', file);
  assert.equal(r.status, 200);
  assert.equal(r.headers.etag, `"${sha1}"`);
  assert.equal(r.headers['content-length'], String(data.length));
  assert.equal(r.headers['accept-ranges'], 'bytes');
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  assert.equal(r.body.length, 0);
  const full = await s.request('GET', file);
  assert.equal(full.status, 200);
  assert.ok(full.body.equals(data));
});

test('single ranges: 206 with the total size, across a block boundary', async () => {
  const cases: [string, number, number][] = [
    ['bytes=0-0', 0, 0],
    ['bytes=1048570-1048589', 1048570, 1048589],
    [`bytes=${data.length - 10}-`, data.length - 10, data.length - 1],
    ['bytes=-100', data.length - 100, data.length - 1],
    [`bytes=2000000-${data.length + 5000}`, 2000000, data.length - 1],
  ];
  for (const [range, start, end] of cases) {
    const r = await s.request('GET', file, { headers: { range } });
    assert.equal(r.status, 206, range);
    assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${data.length}`, range);
    assert.equal(r.headers['content-length'], String(end - start + 1), range);
    assert.ok(r.body.equals(data.subarray(start, end + 1)), range);
  }
});

test('unsatisfiable ranges get 416 with the size; multi-ranges get the whole file', async () => {
  const r = await s.request('GET', file, { headers: { range: `bytes=${data.length}-` } });
  assert.equal(r.status, 416);
  assert.equal(r.headers['content-range'], `bytes */${data.length}`);
  const multi = await s.request('GET', file, { headers: { range: 'bytes=0-1,5-6' } });
  assert.equal(multi.status, 200);
  assert.equal(multi.body.length, data.length);
});

test('If-None-Match gives 304, If-Match a mismatch 412, If-Range a stale tag the whole file', async () => {
  const etag = `"${sha1}"`;
  const notModified = await s.request('GET', file, { headers: { 'if-none-match': etag } });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.body.length, 0);
  assert.equal(notModified.headers.etag, etag);
  assert.equal((await s.request('GET', file, { headers: { 'if-none-match': '"other"' } })).status, 200);
  assert.equal((await s.request('GET', file, { headers: { 'if-match': '"other"' } })).status, 412);
  const fresh = await s.request('GET', file, { headers: { range: 'bytes=0-9', 'if-range': etag } });
  assert.equal(fresh.status, 206);
  const stale = await s.request('GET', file, { headers: { range: 'bytes=0-9', 'if-range': '"stale"' } });
  assert.equal(stale.status, 200);
  assert.equal(stale.body.length, data.length);
});

test('conditional PUT: If-None-Match * refuses to overwrite, If-Match guards the version', async () => {
  assert.equal((await s.request('PUT', file, { headers: { 'if-none-match': '*' }, body: 'x' })).status, 412);
  assert.equal((await s.request('PUT', file, { headers: { 'if-match': '"stale"' }, body: 'x' })).status, 412);
  const fresh = s.href(`${s.drivePath}/fresh.txt`);
  assert.equal((await s.request('PUT', fresh, { headers: { 'if-none-match': '*' }, body: 'new' })).status, 201);
  const head = await s.request('HEAD', fresh);
  const replaced = await s.request('PUT', fresh, { headers: { 'if-match': String(head.headers.etag) }, body: 'newer' });
  assert.equal(replaced.status, 204);
  assert.equal((await s.request('GET', fresh)).text, 'newer');
  assert.equal((await s.request('GET', file)).body.length, data.length);
});

test('empty files answer ranges with the (empty) whole', async () => {
  const empty = s.href(`${s.drivePath}/empty`);
  assert.equal((await s.request('PUT', empty, { body: '' })).status, 201);
  const r = await s.request('GET', empty, { headers: { range: 'bytes=0-' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], '0');
});
