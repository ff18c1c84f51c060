// PUT bodies: chunked without a length (Finder), length checks, and aborted uploads that must leave
// both new names and existing files untouched. Also several clients at once.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { createClient } from 'webdav';
import { bytes } from '../contract/vfs-scenarios.js';
import { AUTH, PASSWORD, serve, type Served, USER } from './harness.js';

let s: Served;
let dir: string;
const P = (name = '') => s.href(`${dir}${name}`);
const vfsNames = async () => (await s.started.vfs.readdir(dir)).map((n) => n.name).sort();

before(async () => {
  s = await serve();
  dir = `${s.drivePath}/uploads`;
  assert.equal((await s.request('MKCOL', P())).status, 201);
});
after(() => s?.close());

/** Sends headers and part of a body, then cuts the connection; resolves once the server has seen the close. */
function abortedPut(path: string, announced: number, sent: Buffer): Promise<void> {
  const url = new URL(s.url);
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, method: 'PUT', path, headers: { authorization: AUTH, 'content-length': String(announced) } });
    req.on('error', () => resolve());
    req.write(sent, () => setTimeout(() => req.destroy(), 200));
    req.on('close', () => resolve());
  });
}

/** Waits until the server has dropped the aborted upload's staging file. */
async function settled(): Promise<void> {
  for (let i = 0; i < 100 && (await vfsNames()).some((n) => n.startsWith('.pdsfs-put-')); i++) await new Promise((r) => setTimeout(r, 50));
}

test('chunked PUT without any length is accepted', async () => {
  const data = bytes(300_000, 5);
  const r = await s.request('PUT', P('/chunked.bin'), { headers: { 'transfer-encoding': 'chunked' }, body: data });
  assert.equal(r.status, 201);
  assert.ok((await s.request('GET', P('/chunked.bin'))).body.equals(data));
});

test('X-Expected-Entity-Length must match the chunked body, or nothing is committed', async () => {
  const ok = await s.request('PUT', P('/finder.bin'), { headers: { 'transfer-encoding': 'chunked', 'x-expected-entity-length': '5' }, body: '12345' });
  assert.equal(ok.status, 201);
  const short = await s.request('PUT', P('/short.bin'), { headers: { 'transfer-encoding': 'chunked', 'x-expected-entity-length': '10' }, body: '12345' });
  assert.equal(short.status, 400);
  assert.equal((await s.request('GET', P('/short.bin'))).status, 404);
  const over = await s.request('PUT', P('/finder.bin'), { headers: { 'transfer-encoding': 'chunked', 'x-expected-entity-length': '2' }, body: 'longer' });
  assert.equal(over.status, 400);
  assert.equal((await s.request('GET', P('/finder.bin'))).text, '12345');
});

test('an aborted PUT creates nothing and leaves an existing file as it was', async () => {
  await abortedPut(P('/new-aborted.bin'), 4 * 1024 * 1024, bytes(1024 * 1024, 9));
  const original = bytes(200_000, 11);
  assert.equal((await s.request('PUT', P('/keep.bin'), { body: original })).status, 201);
  await abortedPut(P('/keep.bin'), 4 * 1024 * 1024, bytes(1024 * 1024, 12));
  await settled();
  await s.started.vfs.drain();
  const names = await vfsNames();
  assert.ok(!names.includes('new-aborted.bin'), names.join());
  assert.ok(!names.some((n) => n.startsWith('.pdsfs-')), names.join());
  assert.equal((await s.request('GET', P('/new-aborted.bin'))).status, 404);
  assert.ok((await s.request('GET', P('/keep.bin'))).body.equals(original));
});

test('concurrent clients read and write without mixing anything up', async () => {
  const clients = Array.from({ length: 6 }, () => createClient(s.url, { username: USER, password: PASSWORD }));
  const root = `${dir}/concurrent`;
  await clients[0]!.createDirectory(root);
  await Promise.all(
    clients.map(async (c, i) => {
      const mine = `${root}/c${i}`;
      await c.createDirectory(mine);
      for (let k = 0; k < 4; k++) {
        const data = bytes(50_000 + i * 1000 + k, i * 10 + k);
        await c.putFileContents(`${mine}/f${k}`, data);
        const back = Buffer.from((await c.getFileContents(`${mine}/f${k}`)) as ArrayBuffer);
        assert.ok(back.equals(data), `client ${i} file ${k}`);
        await c.getDirectoryContents(root);
      }
      await c.moveFile(`${mine}/f0`, `${mine}/renamed`);
    }),
  );
  for (let i = 0; i < clients.length; i++) {
    const listing = (await clients[0]!.getDirectoryContents(`${root}/c${i}`)) as { basename: string }[];
    assert.deepEqual(listing.map((e) => e.basename).sort(), ['f1', 'f2', 'f3', 'renamed']);
  }
});

test('a lock taken by one client keeps another client (same user) out', async () => {
  const body = `<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>`;
  assert.equal((await s.request('PUT', P('/shared.txt'), { body: 'v1' })).status, 201);
  const lock = await s.request('LOCK', P('/shared.txt'), { body, headers: { depth: '0' } });
  assert.equal(lock.status, 200);
  const other = createClient(s.url, { username: USER, password: PASSWORD });
  await assert.rejects(other.putFileContents(`${dir}/shared.txt`, 'v2'), (e: { status?: number }) => e.status === 423);
  await assert.rejects(other.deleteFile(`${dir}/shared.txt`), (e: { status?: number }) => e.status === 423);
  assert.equal((await s.request('LOCK', P('/shared.txt'), { body })).status, 423);
  assert.equal((await s.request('UNLOCK', P('/shared.txt'), { headers: { 'lock-token': String(lock.headers['lock-token']) } })).status, 204);
  await other.putFileContents(`${dir}/shared.txt`, 'v2');
  assert.equal((await s.request('GET', P('/shared.txt'))).text, 'v2');
});
