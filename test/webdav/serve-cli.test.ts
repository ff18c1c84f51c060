// `pdsfs serve` as a user runs it (what `npm start` does): embedded local PDS server, a generated
// login printed at start and stored 0600, a working WebDAV server, exit 0 on SIGTERM after draining,
// and the same login and data on the next start.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pdsfsArgs } from '../helpers/cli.js';


interface Running {
  child: ChildProcess;
  url: string;
  user: string;
  password: string;
  /** Whether the password was printed (only when generated). */
  printed: boolean;
}

const credentialsFile = (home: string) => path.join(home, '.config', 'pdsfs', 'webdav-credentials.json');

function start(home: string): Promise<Running> {
  const env = { PATH: process.env.PATH, HOME: home, NODE_OPTIONS: '' };
  const args = pdsfsArgs('serve', '--port', '0', '--data-dir', path.join(home, 'data'), '--cache-dir', path.join(home, 'cache'), '--log-level', 'warn');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`serve exited early (${code}): ${err}`)));
    child.stdout!.on('data', (c) => {
      out += c;
      const url = /WebDAV server: (\S+)/.exec(out)?.[1];
      const user = /^user: (\S+)$/m.exec(out)?.[1];
      const shown = /^password: (.+)$/m.exec(out)?.[1];
      if (url && user && shown && out.includes('webdav-credentials.json')) {
        // Printed when generated; later starts point at the file instead.
        const password = shown.startsWith('the one generated') ? (JSON.parse(fs.readFileSync(credentialsFile(home), 'utf8')) as { password: string }).password : shown;
        child.removeAllListeners('exit');
        resolve({ child, url, user, password, printed: password === shown });
      }
    });
  });
}

function stop(r: Running): Promise<number | null> {
  return new Promise((resolve) => {
    r.child.on('exit', (code) => resolve(code));
    r.child.kill('SIGTERM');
  });
}

async function dav(r: Running, method: string, p: string, body?: string): Promise<Response> {
  const auth = 'Basic ' + Buffer.from(`${r.user}:${r.password}`).toString('base64');
  return fetch(new URL(p, r.url), { method, headers: { authorization: auth, depth: '1' }, ...(body !== undefined ? { body } : {}) });
}

test('pdsfs serve: generated login, working server, clean stop, same login next time', { timeout: 120_000 }, async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-serve-home-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));

  const first = await start(home);
  t.after(() => first.child.kill('SIGKILL'));
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const creds = credentialsFile(home);
  assert.equal(first.printed, true);
  assert.equal(fs.statSync(creds).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(fs.readFileSync(creds, 'utf8')), { user: first.user, password: first.password });

  assert.equal((await fetch(new URL('/', first.url), { method: 'PROPFIND' })).status, 401);
  const root = await dav(first, 'PROPFIND', '/drives/');
  assert.equal(root.status, 207);
  const drive = /<D:href>(\/drives\/[^<]+\/)<\/D:href>/.exec(await root.text())?.[1];
  assert.ok(drive, 'a drive is listed');
  assert.equal((await dav(first, 'PUT', `${drive}from-cli.txt`, 'persisted')).status, 201);
  assert.equal(await stop(first), 0);

  const second = await start(home);
  t.after(() => second.child.kill('SIGKILL'));
  assert.equal(second.password, first.password);
  assert.equal(second.printed, false, 'the stored password is not printed again');
  assert.equal(await (await dav(second, 'GET', `${drive}from-cli.txt`)).text(), 'persisted');
  assert.equal(await stop(second), 0);
});
