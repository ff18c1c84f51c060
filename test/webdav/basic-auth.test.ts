import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { createAuthenticator, parseBasic } from '../../src/webdav/basic-auth.js';
import { apr1 } from '../../src/webdav/htpasswd.js';

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

test('Basic header parsing, with Windows domain prefixes stripped', () => {
  assert.deepEqual(parseBasic(basic('alice', 'p:w')), { user: 'alice', password: 'p:w' });
  assert.deepEqual(parseBasic(basic('CORP\\alice', 'x')), { user: 'alice', password: 'x' });
  for (const bad of [undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', 'Basic ' + Buffer.from('nocolon').toString('base64')]) assert.equal(parseBasic(bad), undefined);
});

test('fixed credentials: right user and password only', () => {
  const auth = createAuthenticator({ user: 'alice', password: 's3cret' });
  assert.equal(auth.required, true);
  assert.equal(auth.verify(basic('alice', 's3cret')), 'alice');
  assert.equal(auth.verify(basic('alice', 's3cret')), 'alice'); // cached path
  assert.equal(auth.verify(basic('alice', 's3creT')), undefined);
  assert.equal(auth.verify(basic('bob', 's3cret')), undefined);
  assert.equal(auth.verify(undefined), undefined);
});

test('htpasswd: bcrypt, apr1 and SHA entries; unknown users refused', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-htpasswd-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'users');
  fs.writeFileSync(
    file,
    [
      `b:${bcrypt.hashSync('bee pass', 4)}`,
      `m:${apr1('em pass', 'Sa1tSa1t')}`,
      // {SHA} of "password" as printed by `htpasswd -nbs`
      'sh:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=',
      '# comment',
      '',
    ].join('\n'),
  );
  const auth = createAuthenticator({ htpasswdFile: file });
  assert.equal(auth.verify(basic('b', 'bee pass')), 'b');
  assert.equal(auth.verify(basic('m', 'em pass')), 'm');
  assert.equal(auth.verify(basic('sh', 'password')), 'sh');
  assert.equal(auth.verify(basic('b', 'wrong')), undefined);
  assert.equal(auth.verify(basic('m', 'wrong')), undefined);
  assert.equal(auth.verify(basic('nobody', 'password')), undefined);
});

test('apr1 matches the reference implementation (openssl passwd -apr1)', () => {
  assert.equal(apr1('p@ss wörd', 'xyzSALT1'), '$apr1$xyzSALT1$JPuanV.147TCVtRbBWA27/');
});

test('htpasswd files with plain-text or crypt entries are refused at load', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-htpasswd-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'users');
  fs.writeFileSync(file, 'u:plaintext\n');
  assert.throws(() => createAuthenticator({ htpasswdFile: file }), /unsupported htpasswd entry/);
});

test('--no-auth lets everyone in', () => {
  const auth = createAuthenticator('none');
  assert.equal(auth.required, false);
});
