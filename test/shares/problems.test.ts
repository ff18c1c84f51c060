// Share links that cannot be used: a wrong or missing password, a cancelled, expired or unknown link.
// The app still starts with the drives, says why at start, and access to such a share is EACCES.
// A share that expires while the app runs becomes EACCES too, with one clear log line.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type App, createApp } from '../../src/app.js';
import { defaultAppOptions } from '../helpers/app-options.js';
import { readFile, startApp } from '../helpers/app.js';
import { capturingLogger, mkdir, MY_DRIVE, rejectsWith, share, sleepUntil, upload } from './support.js';

const s = await startApp();
const apps: App[] = [];
const cacheDirs: string[] = [];
after(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  for (const dir of cacheDirs) await fs.rm(dir, { recursive: true, force: true });
  await s.close();
});

let docs = '';
let readme = '';
const ids: Record<string, string> = {};

before(async () => {
  const { client } = s.app;
  const drive = s.account.drive_id;
  docs = await mkdir(client, drive, 'root', 'docs');
  await upload(client, drive, docs, 'a.txt', Buffer.from('first\n'));
  await upload(client, drive, docs, 'b.txt', Buffer.from('second\n'));
  readme = await upload(client, drive, 'root', 'readme.txt', Buffer.from('readme\n'));
  ids.open = (await share(client, drive, [readme], { share_name: 'open' })).share_id;
  ids.wrongPwd = (await share(client, drive, [docs], { share_name: 'locked-a', share_pwd: 'right' })).share_id;
  ids.noPwd = (await share(client, drive, [docs], { share_name: 'locked-b', share_pwd: 'right' })).share_id;
  ids.cancelled = (await share(client, drive, [docs], { share_name: 'gone' })).share_id;
  await client.shareLinks.cancel(ids.cancelled);
  ids.expired = (await share(client, drive, [docs], { share_name: 'old', expiration: new Date(Date.now() - 60_000).toISOString() })).share_id;
});

/** An app of its own (own cache) on the test server with these shares, logging into `lines`. */
async function appWith(shares: string[], dirCacheTimeMs = 60_000) {
  const { logger, lines } = capturingLogger();
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-share-cache-'));
  cacheDirs.push(cacheDir);
  const app = await createApp({ ...defaultAppOptions(s.endpoint, s.account.access_token, cacheDir), shares, dirCacheTimeMs }, { logger });
  apps.push(app);
  return { app, lines, messages: () => lines.map((l) => String(l.msg)) };
}

test('unusable shares: the app starts with the drives, says why, and the share dirs answer EACCES', async () => {
  const { app, messages } = await appWith([ids.open!, `${ids.wrongPwd}:wrong`, ids.noPwd!, ids.cancelled!, ids.expired!, 'NoSuchShare1']);
  assert.equal((await readFile(app.vfs, `${MY_DRIVE}/docs/a.txt`)).toString(), 'first\n');
  assert.equal((await readFile(app.vfs, '/shares/open/readme.txt')).toString(), 'readme\n');
  const dirs = (await app.vfs.readdir('/shares')).map((n) => n.name).sort();
  // Password-protected links still tell their name; dead ones are named by their id.
  assert.deepEqual(dirs, [ids.cancelled!, ids.expired!, 'NoSuchShare1', 'locked-a', 'locked-b', 'open'].sort());
  const expected: [string, RegExp][] = [
    ['locked-a', /wrong or missing password/],
    ['locked-b', /wrong or missing password/],
    [ids.cancelled!, /cancelled/],
    [ids.expired!, /expired/],
    ['NoSuchShare1', /no such share link/],
  ];
  for (const [dir, reason] of expected) {
    await rejectsWith(app.vfs.readdir(`/shares/${dir}`), 'EACCES', reason);
    const shareId = dir.startsWith('locked-') ? (dir === 'locked-a' ? ids.wrongPwd! : ids.noPwd!) : dir;
    const logged = messages().filter((m) => m.includes(`share ${shareId} cannot be opened`));
    assert.equal(logged.length, 1, `one start-up line for ${dir}`);
    assert.match(logged[0]!, reason);
  }
  assert.ok(!messages().some((m) => m.includes('is no longer readable')), 'a problem known at start is not logged again on access');
  assert.ok(!messages().some((m) => m.includes(`share ${ids.open} cannot`)));
});

test('a share that expires while the app runs becomes EACCES, with one log line', async () => {
  const { client } = s.app;
  const id = (await share(client, s.account.drive_id, [docs], { share_name: 'brief', expiration: new Date(Date.now() + 600_000).toISOString() })).share_id;
  const { app, messages } = await appWith([id], 0);
  assert.deepEqual((await app.vfs.readdir('/shares/brief/docs')).map((n) => n.name).sort(), ['a.txt', 'b.txt']);
  assert.equal((await readFile(app.vfs, '/shares/brief/docs/a.txt')).toString(), 'first\n');
  // Now the link runs out in a moment (set by its owner, so the reads above never race the clock).
  const expiresAt = Date.now() + 500;
  await client.shareLinks.update({ share_id: id, expiration: new Date(expiresAt).toISOString() });
  await sleepUntil(expiresAt + 100);
  await rejectsWith(app.vfs.readdir('/shares/brief/docs'), 'EACCES', /expired/);
  await rejectsWith(readFile(app.vfs, '/shares/brief/docs/b.txt'), 'EACCES', /expired/);
  const logged = messages().filter((m) => m.includes(`share ${id} is no longer readable`));
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, /the share link has expired/);
  // The drives are not affected.
  assert.equal((await readFile(app.vfs, `${MY_DRIVE}/docs/b.txt`)).toString(), 'second\n');
});

test('a share cancelled while the app runs becomes EACCES', async () => {
  const id = (await share(s.app.client, s.account.drive_id, [docs], { share_name: 'short-lived' })).share_id;
  const { app, messages } = await appWith([id], 0);
  assert.equal((await app.vfs.readdir('/shares/short-lived/docs')).length, 2);
  await s.app.client.shareLinks.cancel(id);
  await rejectsWith(app.vfs.readdir('/shares/short-lived/docs'), 'EACCES', /cancelled/);
  assert.equal(messages().filter((m) => m.includes(`share ${id} is no longer readable: the share link was cancelled`)).length, 1);
});
