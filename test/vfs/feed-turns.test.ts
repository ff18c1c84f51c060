// The change feed shares the event loop with requests: it applies at most FEED_ROWS_PER_TURN changes
// per transaction and one transaction per turn, and a reader never sees one of them without the
// changes waiting for replay laid on top. Watched from the event loop itself (a check every turn) and
// through a connection of the test's own to the cache file, as any reader sees it: counted, not timed.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createApp } from '../../src/app.js';
import { FEED_ROWS_PER_TURN } from '../../src/vfs/change-poller.js';
import { defaultAppOptions } from '../helpers/app-options.js';
import { bulkFolder } from '../helpers/bulk-entries.js';
import { stoppableServer } from './offline-support.js';

const CREATED = 300;

test('the feed applies a page in transactions of FEED_ROWS_PER_TURN, one a turn, each with the waiting changes on top', async (t) => {
  const server = await stoppableServer();
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-feed-turns-'));
  const app = await createApp(defaultAppOptions(server.endpoint, server.token, cacheDir));
  t.after(async () => {
    await server.start();
    await app.close().catch(() => undefined);
    await server.close();
    await fs.rm(cacheDir, { recursive: true, force: true });
  });
  const fed = `/drives/${app.volumes[0]!.dirName}/fed`;
  const { folderId } = bulkFolder(server.dataDir, server.driveId, 'fed', CREATED, { changes: true });
  assert.equal((await app.vfs.readdir(fed)).length, CREATED);

  // A removal made offline, still waiting for replay while the feed brings the file in again: back
  // online, its trash is an async task of 3 s.
  await server.stop();
  await app.vfs.remove(`${fed}/entry-5`);
  // The folder's listing stored its rows before now; the feed stores them again, at its own time.
  await new Promise((r) => setTimeout(r, 2));
  const since = Date.now();

  const [dir] = await fs.readdir(cacheDir);
  const reader = new Database(path.join(cacheDir, dir!, 'metadata.sqlite'), { readonly: true, fileMustExist: true });
  t.after(() => reader.close());
  const stored = reader.prepare('SELECT count(*) FROM nodes WHERE parent_id = ? AND listed_at >= ?').pluck();
  const removed = reader.prepare("SELECT count(*) FROM nodes WHERE parent_id = ? AND name_nfc = 'entry-5'").pluck();
  const batches = () => app.admin.status().metadata.batches;
  const seen = { turns: 0, mostRows: 0, mostBatches: 0, removedSeen: 0 };
  let watching = true;
  const watch = (async () => {
    let rows = stored.get(folderId, since) as number;
    let applied = batches();
    while (watching) {
      await setImmediate();
      const nowRows = stored.get(folderId, since) as number;
      const nowApplied = batches();
      seen.turns++;
      seen.mostRows = Math.max(seen.mostRows, nowRows - rows);
      seen.mostBatches = Math.max(seen.mostBatches, nowApplied - applied);
      seen.removedSeen += removed.get(folderId) as number;
      [rows, applied] = [nowRows, nowApplied];
    }
  })();

  const before = batches();
  try {
    // Online again, a pass starts; the one asked for after it finds nothing more.
    await server.start();
    server.emu!.setFaults({ asyncRate: 1, asyncDelayMs: 3000 });
    assert.ok(await app.reachability.check(), 'online again');
    await app.admin.pollNow();
  } finally {
    watching = false;
    await watch;
  }
  assert.equal(app.admin.namespaceChanges(10).pending.length, 1, 'the removal still waited for replay when the feed was applied (else this test saw nothing)');
  // The folder's create and CREATED files, in pages of 100, each in transactions of FEED_ROWS_PER_TURN
  // (a pass that found the feed empty, the one coming back online may have run, adds one more).
  const least = [100, 100, 100, 1].reduce((n, p) => n + Math.ceil(p / FEED_ROWS_PER_TURN), 0);
  assert.ok(batches() - before >= least, `${batches() - before} transactions, at least ${least}`);
  assert.equal(seen.mostBatches, 1, 'never two of the feed transactions between two turns');
  assert.ok(seen.mostRows <= FEED_ROWS_PER_TURN, `at most ${FEED_ROWS_PER_TURN} rows a turn, saw ${seen.mostRows}`);
  assert.equal(seen.removedSeen, 0, 'the removed file never showed up again, after any transaction');
  assert.equal(stored.get(folderId, since), CREATED - 1, 'every file stored again by the feed but the removed one');
  assert.equal((await app.vfs.readdir(fed)).length, CREATED - 1);
});
