// `pdsfs trash|versions|search|star|unstar` in child processes against the local PDS server: tables
// by default, --json for scripts, restores and purges that really happen, byte-exact versions, and
// failures that name the problem with exit code 1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readFile, startApp, writeFile } from '../helpers/app.js';
import { pdsfsArgs } from '../helpers/cli.js';

const s = await startApp();
const home = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-views-cli-'));
after(async () => {
  await s.close();
  await fs.rm(home, { recursive: true, force: true });
});

const DRIVE = '/drives/My Drive';
const put = async (p: string, text: string) => {
  await writeFile(s.vfs, p, Buffer.from(text));
  await s.vfs.drain();
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function pdsfs(args: string[]): Promise<Run> {
  const source = ['--endpoint', s.endpoint, '--access-token', s.account.access_token, '--cache-dir', path.join(home, 'cache'), '--data-dir', path.join(home, 'unused')];
  const child = spawn(process.execPath, pdsfsArgs(...args, ...source), { env: { PATH: process.env.PATH ?? '', HOME: home, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function ok(args: string[]): Promise<Run> {
  const r = await pdsfs(args);
  assert.equal(r.code, 0, `pdsfs ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

test('trash list shows deleted files (table and --json); restore puts one back, purge deletes one for good', async () => {
  await put(`${DRIVE}/gone.txt`, 'deleted content\n');
  await put(`${DRIVE}/purge.txt`, 'purged\n');
  await s.vfs.remove(`${DRIVE}/gone.txt`);
  await s.vfs.remove(`${DRIVE}/purge.txt`);
  const listed = await ok(['trash', 'list']);
  assert.match(listed.stdout, /^NAME\s+KIND\s+SIZE\s+MODIFIED/);
  assert.match(listed.stdout, /gone\.txt\s+file\s+16/);
  const asJson = JSON.parse((await ok(['trash', 'list', 'My Drive', '--json'])).stdout) as { name: string }[];
  assert.deepEqual(asJson.map((e) => e.name).sort(), ['gone.txt', 'purge.txt']);

  assert.match((await ok(['trash', 'restore', 'My Drive/gone.txt'])).stdout, /restored My Drive\/gone.txt/);
  await s.admin.pollNow();
  assert.equal((await readFile(s.vfs, `${DRIVE}/gone.txt`)).toString(), 'deleted content\n');
  await ok(['trash', 'purge', 'My Drive/purge.txt']);
  assert.deepEqual(JSON.parse((await ok(['trash', 'list', '--json'])).stdout), []);

  const missing = await pdsfs(['trash', 'purge', 'My Drive/nothing.txt']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /pdsfs trash purge: .*nothing\.txt.*no such file or directory/);
});

test('versions list, get (byte-exact) and restore', async () => {
  const texts = ['first version\n', 'second, longer version\n', 'third\n'];
  for (const t of texts) await put(`${DRIVE}/doc.txt`, t);
  const revs = JSON.parse((await ok(['versions', 'list', 'drives/My Drive/doc.txt', '--json'])).stdout) as { name: string; size: number }[];
  assert.equal(revs.length, 3);
  const out = path.join(home, 'v.txt');
  const got: string[] = [];
  for (const r of revs) {
    await ok(['versions', 'get', 'drives/My Drive/doc.txt', r.name, '-o', out]);
    got.push(await fs.readFile(out, 'utf8'));
  }
  assert.deepEqual([...got].sort(), [...texts].sort());
  const first = revs[got.indexOf(texts[0]!)]!.name;
  assert.equal((await ok(['versions', 'get', 'drives/My Drive/doc.txt', first])).stdout, texts[0]);

  await ok(['versions', 'restore', 'drives/My Drive/doc.txt', first]);
  await s.admin.pollNow();
  assert.equal((await readFile(s.vfs, `${DRIVE}/doc.txt`)).toString(), texts[0]);
  assert.equal(JSON.parse((await ok(['versions', 'list', 'drives/My Drive/doc.txt', '--json'])).stdout).length, 4);

  const bad = await pdsfs(['versions', 'list', 'My Drive/doc.txt']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not in a drive \(paths look like "drives\/<drive>/);
});

test('search finds by name; star and unstar change starred/', async () => {
  await put(`${DRIVE}/needle-notes.txt`, 'found\n');
  assert.match((await ok(['search', 'needle'])).stdout, /needle-notes\.txt\s+file\s+6/);
  assert.deepEqual(JSON.parse((await ok(['search', 'no-such-name', '--json'])).stdout), []);
  assert.match((await ok(['star', 'drives/My Drive/needle-notes.txt'])).stdout, /starred \/drives\/My Drive\/needle-notes\.txt/);
  assert.deepEqual((await s.vfs.readdir('/starred')).map((n) => n.name), ['needle-notes.txt']);
  await ok(['unstar', 'drives/My Drive/needle-notes.txt', '--json']);
  assert.equal((await s.vfs.meta(`${DRIVE}/needle-notes.txt`))?.starred, false);
});
