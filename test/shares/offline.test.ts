// Share links started while PDS is unreachable: each keeps the name and the upload flag the last run
// learnt from the link (kept in the cache database), so its directory and its cached contents are
// where they were; what needs the server fails fast; once PDS is back the link works as usual.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { type App, createApp } from '../../src/app.js';
import { VfsError } from '../../src/core/errors.js';
import { defaultAppOptions } from '../helpers/app-options.js';
import { readFile } from '../helpers/app.js';
import { stoppableServer } from '../vfs/offline-support.js';
import { mkdir, share, upload } from './support.js';

test('a start while PDS is unreachable serves share links under the names and upload flags of the last run', async () => {
  const server = await stoppableServer();
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-offline-shares-'));
  let app: App | undefined;
  after(async () => {
    await app?.close().catch(() => undefined);
    await server.close();
    await fs.rm(cacheDir, { recursive: true, force: true });
  });
  const open = (shares: string[]) => createApp({ ...defaultAppOptions(server.endpoint, server.token, cacheDir), shares });
  app = await open([]);
  const drive = server.driveId;
  const album = await mkdir(app.client, drive, 'root', 'album');
  await upload(app.client, drive, album, 'seen.txt', Buffer.from('seen before'));
  await upload(app.client, drive, album, 'unseen.txt', Buffer.from('never read'));
  const inbox = await mkdir(app.client, drive, 'root', 'inbox');
  const trip = await share(app.client, drive, [album], { share_pwd: 'pw', share_name: 'Trip' });
  const drop = await share(app.client, drive, [inbox], { share_name: 'Drop', creatable: true });
  const specs = [`${trip.share_id}:pw`, drop.share_id];
  await app.close();

  // Online: the links are opened, named, and what is read is cached.
  app = await open(specs);
  const shareDirs = (a: App) => Object.fromEntries(a.volumes.filter((v) => v.kind === 'share').map((v) => [v.dirName, v.readOnly]));
  assert.deepEqual(shareDirs(app), { Trip: true, Drop: false });
  assert.equal((await readFile(app.vfs, '/shares/Trip/album/seen.txt')).toString(), 'seen before');
  await app.vfs.readdir('/shares/Drop/inbox');
  await app.close();

  // Offline start: same names, same upload flags (not the share ids, not all read-only); the cache serves.
  await server.stop();
  app = await open(specs);
  assert.equal(app.reachability.online, false);
  assert.deepEqual(shareDirs(app), { Trip: true, Drop: false });
  assert.deepEqual((await app.vfs.readdir('/shares')).map((n) => n.name).sort(), ['Drop', 'Trip']);
  assert.deepEqual((await app.vfs.readdir('/shares/Trip/album')).map((n) => n.name).sort(), ['seen.txt', 'unseen.txt']);
  assert.equal((await readFile(app.vfs, '/shares/Trip/album/seen.txt')).toString(), 'seen before');
  await assert.rejects(readFile(app.vfs, '/shares/Trip/album/unseen.txt'), (e: unknown) => VfsError.is(e, 'EHOSTDOWN'));

  // PDS is back: the link works as usual (the offline start left no problem on it).
  await server.start();
  await app.reachability.check();
  assert.equal((await readFile(app.vfs, '/shares/Trip/album/unseen.txt')).toString(), 'never read');
  await app.close();
  app = undefined;

  // A link never opened before, started offline: named by its id (nothing else is known), until a start that reaches PDS.
  const fresh = await share((app = await open([])).client, drive, [inbox], { share_name: 'Fresh' });
  await app.close();
  await server.stop();
  app = await open([...specs, fresh.share_id]);
  assert.deepEqual(Object.keys(shareDirs(app)).sort(), ['Drop', 'Trip', fresh.share_id].sort());
});
