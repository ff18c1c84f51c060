// Server options: HTTPS with a given certificate, --read-only, and where DELETE sends things.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pds } from '../helpers/emulator.js';
import { AUTH, serve, type Served } from './harness.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
})();

test('HTTPS with --tls-cert/--tls-key', { skip: hasOpenssl ? false : 'openssl is not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-tls-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const s = await serve({}, { tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } });
  t.after(() => s.close());
  assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
  const status = await new Promise<number>((resolve, reject) => {
    const req = https.request(s.url, { method: 'PROPFIND', headers: { authorization: AUTH, depth: '0' }, ca: fs.readFileSync(cert), servername: 'localhost', checkServerIdentity: () => undefined }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 207);
});

test('--read-only: reads work, every change is refused with 403, and OPTIONS says class 1', async (t) => {
  const s = await serve({ readOnly: true }, { readOnly: true });
  t.after(() => s.close());
  const file = s.href(`${s.drivePath}/x.txt`);
  assert.equal((await s.request('PROPFIND', s.href(s.drivePath), { headers: { depth: '1' } })).status, 207);
  for (const [method, extra] of [['PUT', { body: 'x' }], ['MKCOL', {}], ['DELETE', {}], ['PROPPATCH', { body: '<x/>' }], ['LOCK', { body: '<x/>' }], ['MOVE', { headers: { destination: '/y' } }]] as const) {
    assert.equal((await s.request(method, file, extra)).status, 403, method);
  }
  const options = await s.request('OPTIONS', '/', { auth: false });
  assert.equal(options.headers.dav, '1');
  assert.doesNotMatch(String(options.headers.allow), /PUT/);
});

async function trashedNames(s: Served): Promise<string[]> {
  const r = await pds<{ items: { name: string }[] }>(s.started.endpoint, s.started.account.access_token, 'recyclebin/list', { drive_id: s.started.account.drive_id, limit: 100 });
  return r.body.items.map((i) => i.name);
}

for (const permanent of [false, true]) {
  test(`DELETE ${permanent ? 'purges with --delete-permanently' : 'moves to the recycle bin by default'}`, async (t) => {
    const s = await serve({ deletePermanently: permanent });
    t.after(() => s.close());
    const dir = s.href(`${s.drivePath}/doomed`);
    assert.equal((await s.request('MKCOL', dir)).status, 201);
    assert.equal((await s.request('PUT', `${dir}/inside.txt`, { body: 'x' })).status, 201);
    await s.started.vfs.drain();
    assert.equal((await s.request('DELETE', dir)).status, 204);
    assert.equal((await s.request('PROPFIND', dir, { headers: { depth: '0' } })).status, 404);
    assert.equal((await trashedNames(s)).includes('doomed'), !permanent);
  });
}
