// Large folders through the real local PDS server, counted (never timed): a listing holds one page
// of rows at a time, from the first listing on; stat of a name is one indexed lookup per path
// segment; a warm restart lists nothing again; the change feed is applied in parts of a page per transaction.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { MetadataStore } from '../../src/cache/metadata/nodes.js';
import { silentLogger } from '../../src/shared/logger.js';
import { FEED_ROWS_PER_TURN } from '../../src/vfs/change-poller.js';
import { LISTING_PAGE } from '../../src/vfs/dir-cache.js';
import { createWebDavServer } from '../../src/webdav/server.js';
import { type StartedApp, startApp } from '../helpers/app.js';
import { bulkFolder } from '../helpers/bulk-entries.js';

const ENTRIES = 20_000;
let s: StartedApp;
let dataDir: string;

before(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-large-'));
  s = await startApp({ drive: 'My Drive' }, { dataDir });
  bulkFolder(dataDir, s.account.drive_id, 'big', ENTRIES);
});
after(async () => {
  await s.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const meter = () => s.admin.status().metadata;

test('the first listing of a 20,000-entry folder is stored a server page at a time and read back a page at a time', async () => {
  await s.vfs.stat('/big'); // lists the drive's root
  const listCalls = s.admin.status().listCalls;
  const storedBefore = meter().storedPages;
  let count = 0;
  let largestPage = 0;
  for await (const page of s.vfs.readdirPages('/big')) {
    count += page.length;
    largestPage = Math.max(largestPage, page.length);
    assert.ok(meter().rowsHeld <= LISTING_PAGE, `rows held while a page is out: ${meter().rowsHeld}`);
  }
  assert.equal(count, ENTRIES);
  assert.equal(s.admin.status().listCalls, listCalls + 1);
  assert.equal(meter().storedPages - storedBefore, ENTRIES / LISTING_PAGE, 'one transaction per server page');
  assert.ok(largestPage <= LISTING_PAGE);
  assert.ok(meter().peakRowsHeld <= LISTING_PAGE, `peak rows held: ${meter().peakRowsHeld}`);
  assert.equal(meter().rowsHeld, 0, 'every page released');
});

test('a PROPFIND Depth 1 of the folder streams 20,001 responses holding one page of rows at a time', async (t) => {
  const server = await createWebDavServer({ vfs: s.vfs, port: 0, auth: 'none', stateDir: path.join(s.cacheDir, 'webdav'), logger: silentLogger() });
  t.after(() => server.close());
  const pagesBefore = meter().pages;
  const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(`${server.url}big/`, { method: 'PROPFIND', headers: { depth: '1' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(answer.status, 207);
  assert.equal(answer.headers['transfer-encoding'], 'chunked', 'written while read, not as one body');
  assert.equal(answer.body.split('<D:response>').length - 1, ENTRIES + 1);
  assert.match(answer.body, /<D:href>\/big\/entry-19999<\/D:href>/);
  assert.ok(meter().pages - pagesBefore >= ENTRIES / LISTING_PAGE, 'read in pages');
  assert.ok(meter().peakRowsHeld <= LISTING_PAGE, `peak rows held: ${meter().peakRowsHeld}`);
});

test('stat of a name in the large folder is one indexed lookup per path segment', async () => {
  await s.vfs.stat('/big/entry-1');
  const before = meter();
  const info = await s.vfs.stat('/big/entry-12345');
  assert.equal(info.name, 'entry-12345');
  const afterStat = meter();
  // `big` was resolved by the stat before and is kept (resolver.ts): only the name is looked up.
  assert.equal(afterStat.lookups - before.lookups, 1, 'entry-12345 alone');
  assert.equal(afterStat.pages - before.pages, 0, 'no page of the folder is read');
  // The same statements, planned on a cache of the same schema (the daemon's own file is locked to it).
  const db = CacheDb.open(path.join(dataDir, 'plans.sqlite'));
  const plans = new MetadataStore(db).queryPlans();
  db.close();
  assert.match(plans.lookup, /^SEARCH nodes USING PRIMARY KEY \(volume=\? AND parent_id=\? AND name_nfc=\?\)$/);
  assert.match(plans.page, /^SEARCH nodes USING PRIMARY KEY \(volume=\? AND parent_id=\? AND \(name_nfc,id\)>\(\?,\?\)\)$/);
});

test('after a restart on the warm cache the folder is listed with no list call', async () => {
  await s.restart();
  let count = 0;
  for await (const page of s.vfs.readdirPages('/big')) count += page.length;
  assert.equal(count, ENTRIES);
  assert.equal(s.admin.status().listCalls, 0);
});

test('the change feed applies its changes FEED_ROWS_PER_TURN per transaction', async () => {
  const created = 1_000;
  bulkFolder(dataDir, s.account.drive_id, 'fed', created, { changes: true });
  const before = meter().batches;
  await s.admin.pollNow();
  // One change for the folder and one per entry; list_delta pages hold 100, each applied in parts.
  const pages = [...Array(Math.floor((created + 1) / 100)).fill(100), (created + 1) % 100];
  assert.equal(meter().batches - before, pages.reduce((n, p) => n + Math.ceil(p / FEED_ROWS_PER_TURN), 0));
  const listCalls = s.admin.status().listCalls;
  assert.equal((await s.vfs.stat('/fed')).kind, 'dir', 'the folder came from the feed, not from a listing');
  assert.equal(s.admin.status().listCalls, listCalls);
});
