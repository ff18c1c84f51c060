// `pdsfs share ...` in child processes: create/list/info/update/cancel round trips with --json,
// readable tables, a failure's message and exit code, `share save` copying server-side (no download,
// identical content, a progress line for folders), and the embedded local PDS server. The other
// error messages are checked in-process (manage.test.ts): a process per case would be slow.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { connectPds } from '../../src/pds/index.js';
import { startEmulator } from '../helpers/emulator.js';
import { startApp } from '../helpers/app.js';
import { pdsfsArgs } from '../helpers/cli.js';
import { bytes } from '../contract/vfs-scenarios.js';
import { mkdir, MY_DRIVE, share, upload } from './support.js';

const s = await startApp();
const home = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-share-cli-'));
after(async () => {
  await s.close();
  await fs.rm(home, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function pdsfs(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, pdsfsArgs('share', ...args), {
    env: { PATH: process.env.PATH ?? '', HOME: home, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Against the test server, with a cache of its own. */
const remoteArgs = () => ['--endpoint', s.endpoint, '--access-token', s.account.access_token, '--cache-dir', path.join(home, 'cache'), '--data-dir', path.join(home, 'unused')];

async function ok(args: string[], env?: Record<string, string>): Promise<Run> {
  const r = await pdsfs([...args, ...remoteArgs()], env);
  assert.equal(r.code, 0, `pdsfs share ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

async function fails(args: string[], problem: RegExp): Promise<Run> {
  const r = await pdsfs([...args, ...remoteArgs()]);
  assert.equal(r.code, 1, `pdsfs share ${args.join(' ')} should fail: ${r.stdout}`);
  assert.match(r.stderr, problem);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}

const ids: Record<string, string> = {};
const ALBUM_FILES = 12;

before(async () => {
  const { client } = s.app;
  const drive = s.account.drive_id;
  ids.album = await mkdir(client, drive, 'root', 'album');
  for (let i = 0; i < ALBUM_FILES; i++) await upload(client, drive, ids.album, `photo-${i}.jpg`, bytes(2000 + i * 500, i + 1));
  const sub = await mkdir(client, drive, ids.album, 'sub');
  await upload(client, drive, sub, 'deep.txt', Buffer.from('deep\n'));
  ids.top = await upload(client, drive, 'root', 'top.txt', Buffer.from('top\n'));
  await mkdir(client, drive, 'root', 'saved');
});

test('create, list, info, update, cancel: --json round trips and readable tables', async () => {
  const created = JSON.parse((await ok(['create', 'drives/My Drive/album', '/drives/My Drive/top.txt', '--password', 'pw', '--expire', '7d', '--name', 'Trip', '--description', 'summer', '--json'])).stdout);
  assert.equal(created.share_name, 'Trip');
  assert.equal(created.description, 'summer');
  assert.equal(created.has_password, true);
  assert.equal('share_pwd' in created, false);
  assert.deepEqual(created.file_id_list, [ids.album, ids.top]);
  const week = Date.parse(created.expiration) - Date.now();
  assert.ok(week > 6.9 * 86_400_000 && week <= 7 * 86_400_000, created.expiration);
  const id: string = created.share_id;

  const listed = JSON.parse((await ok(['list', '--json'])).stdout) as Record<string, unknown>[];
  const mine = listed.find((l) => l.share_id === id);
  assert.ok(mine);
  for (const k of ['share_name', 'description', 'file_id_list', 'expiration', 'has_password', 'status', 'drive_id']) assert.deepEqual(mine[k], created[k], k);
  const table = (await ok(['list'])).stdout.split('\n');
  assert.match(table[0]!, /^ID\s+NAME\s+FILES\s+PASSWORD\s+EXPIRES\s+STATUS$/);
  assert.ok(table.some((l) => new RegExp(`^${id}\\s+Trip\\s+2\\s+yes\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+enabled$`).test(l)), table.join('\n'));

  const info = JSON.parse((await ok(['info', id, '--json'])).stdout);
  assert.deepEqual([info.share_id, info.share_name, info.has_pwd], [id, 'Trip', true]);
  await fails(['info', `${id}:wrong`], new RegExp(`^pdsfs share info ${id}: wrong or missing password$`, 'm'));

  const updated = JSON.parse((await ok(['update', id, '--name', 'Trip 2', '--expire', 'never', '--password', '', '--json'])).stdout);
  assert.deepEqual([updated.share_name, updated.expiration, updated.has_password], ['Trip 2', '', false]);
  assert.equal((await s.app.client.shareLinks.get(id)).share_pwd, '');

  assert.match((await ok(['cancel', id])).stdout, new RegExp(`cancelled share ${id}`));
  const all = JSON.parse((await ok(['list', '--all', '--json'])).stdout) as { share_id: string; status: string }[];
  assert.equal(all.find((l) => l.share_id === id)?.status, 'disabled');
  await fails(['info', id], /was cancelled/);
});

test('share save: server-side, no download, identical content, progress for folders', async () => {
  const link = await share(s.app.client, s.account.drive_id, [ids.album!, ids.top!], { share_pwd: 'pw' });
  const downloads = s.emu.stats.requests['GET data'] ?? 0;
  const r = await ok(['save', `${link.share_id}:pw`, '/', 'drives/My Drive/saved']);
  assert.equal(s.emu.stats.requests['GET data'] ?? 0, downloads, 'no file data was downloaded');
  assert.deepEqual(r.stdout.trim().split('\n'), [`saved folder ${MY_DRIVE}/saved/album`, `saved file ${MY_DRIVE}/saved/top.txt`]);
  const entries = ALBUM_FILES + 2; // the photos, sub and sub/deep.txt
  assert.match(r.stderr, new RegExp(`copying album \\(entries\\): ${entries} of ${entries}`));

  await s.admin.pollNow();
  const describe = async (p: string) => (await s.vfs.readdir(p)).map((n) => [n.name, n.kind, n.size, n.contentHash]).sort();
  assert.deepEqual(await describe(`${MY_DRIVE}/saved/album`), await describe(`${MY_DRIVE}/album`));
  assert.deepEqual(await describe(`${MY_DRIVE}/saved/album/sub`), await describe(`${MY_DRIVE}/album/sub`));

  const one = JSON.parse((await ok(['save', `${link.share_id}:pw`, 'album/sub/deep.txt', 'drives/My Drive', '--json'])).stdout);
  assert.deepEqual(one, [{ name: 'deep.txt', kind: 'file', path: `${MY_DRIVE}/deep.txt`, size: 5 }]);
  await fails(['save', `${link.share_id}:wrong`, '/', 'drives/My Drive/saved'], new RegExp(`^pdsfs share save: share ${link.share_id}: wrong or missing password$`, 'm'));
});

test('without --endpoint the commands work on the embedded local PDS server in --data-dir; PDSFS_PASSWORD is ignored', async () => {
  const dataDir = path.join(home, 'embedded');
  const emu = await startEmulator({ dataDir });
  const client = connectPds({ endpoint: emu.endpoint, accessToken: emu.account.access_token });
  await upload(client, emu.account.drive_id, 'root', 'hello.txt', Buffer.from('hello\n'));
  client.close();
  await emu.close();

  const local = ['--data-dir', dataDir, '--cache-dir', path.join(home, 'embedded-cache')];
  // PDSFS_PASSWORD is serve's login password: it must not become the share's password.
  const created = await pdsfs(['create', 'drives/My Drive/hello.txt', '--json', ...local], { PDSFS_PASSWORD: 'webdav-login' });
  assert.equal(created.code, 0, created.stderr);
  const { share_id: id, has_password } = JSON.parse(created.stdout) as { share_id: string; has_password: boolean };
  assert.equal(has_password, false);
  const listed = await pdsfs(['list', '--json', ...local]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual((JSON.parse(listed.stdout) as { share_id: string; share_name: string }[]).map((l) => [l.share_id, l.share_name]), [[id, 'hello.txt']]);
});
