// A change-feed cursor the server no longer continues from (expired): the poller drops it, starts
// over from the current cursor, re-reads the cached listings and says so once, instead of failing
// on every poll with the old cursor.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRecordingLogger, recentLogEvents } from '../../src/control/log-events.js';
import { pds } from '../helpers/emulator.js';
import { type StartedApp, startApp } from '../helpers/app.js';

describe('change feed cursor expiry', () => {
  let s: StartedApp;
  const logger = createRecordingLogger({ level: 'info', file: '/dev/null' });
  const events = () => recentLogEvents(logger).list();

  before(async () => {
    // Every cursor is expired by its next use; listings stay fresh for an hour unless invalidated.
    s = await startApp({ drive: undefined, pollIntervalMs: 3_600_000, dirCacheTimeMs: 3_600_000 }, { cursorTtlMs: 0 }, { logger });
  });
  after(() => s.close());

  test('a change made while the cursor expired shows after one poll; one log line, no poll failure', async () => {
    const d = `/drives/${s.app.volumes[0]!.dirName}`;
    await s.vfs.mkdir(`${d}/watched`);
    assert.deepEqual(await s.vfs.readdir(`${d}/watched`), []);
    const api = (path: string, body: object) => pds(s.endpoint, s.account.access_token, path, { drive_id: s.account.drive_id, ...body });
    const dirId = ((await api('/v2/file/get_by_path', { file_path: '/watched' })).body as { file_id: string }).file_id;
    assert.equal((await api('/v2/file/create', { parent_file_id: dirId, name: 'from-elsewhere', type: 'folder', check_name_mode: 'refuse' })).status, 201);
    // Still the cached listing: nothing has told the cache yet.
    assert.deepEqual(await s.vfs.readdir(`${d}/watched`), []);
    const before = events().length;
    await s.admin.pollNow();
    assert.deepEqual((await s.vfs.readdir(`${d}/watched`)).map((e) => e.name), ['from-elsewhere']);
    const said = events().slice(before);
    const volumes = s.app.volumes.filter((v) => v.remote.capabilities.changeFeed).length;
    assert.equal(said.filter((e) => e.msg.startsWith('change feed cursor expired')).length, volumes, JSON.stringify(said));
    assert.equal(said.filter((e) => e.msg.startsWith('change feed poll failed')).length, 0, JSON.stringify(said));
  });
});
