// The answer worker (src/pds/answer-worker.ts): the pages after a folder's first and the feed's
// pages after one that said has_more are exchanged and parsed in a worker thread, with the main
// thread's token, retries and errors; single pages stay on the main thread.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import type { AccessTokenProvider } from '../../src/pds/http.js';
import type { ChangePage, RemoteEntry } from '../../src/core/remote.js';
import { PdsError } from '../../src/pds/errors.js';
import { bulkFolder } from '../helpers/bulk-entries.js';
import { startPds } from './fixture.js';

const pds = await startPds();
/** 250 entries: three pages of file/list. */
const big = bulkFolder(pds.dataDir, pds.driveId, 'big', 250);

const listCalls = () => pds.emu.stats.requests['/v2/file/list'] ?? 0;

async function listAll(remote: DriveRemote, dirId: string): Promise<RemoteEntry[]> {
  const out: RemoteEntry[] = [];
  for await (const page of remote.listPages(dirId)) out.push(...page);
  return out;
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(ok(), what);
}

test("a listing's pages after the first go through the worker, and give what the main thread would", async () => {
  const client = pds.connect();
  const worker = client.http.answerWorker!;
  await worker.started();
  const [calls, lists] = [worker.counts.calls, listCalls()];
  const entries = await listAll(new DriveRemote(client, pds.driveId), big.folderId);
  assert.equal(entries.length, 250);
  assert.equal(worker.counts.calls - calls, 2);
  assert.equal(listCalls() - lists, 3);

  const plain = pds.connect({ answerWorker: false });
  assert.deepEqual(await listAll(new DriveRemote(plain, pds.driveId), big.folderId), entries);
});

test('single pages (a small folder, a poll of the feed with nothing new) never start the worker; a second page does, and is made on the main thread while it starts', async () => {
  const client = pds.connect();
  const worker = client.http.answerWorker!;
  const remote = new DriveRemote(client, pds.driveId);
  const cursor = await remote.latestCursor();
  const quiet = await remote.changes(cursor);
  assert.equal(quiet.expired, undefined);
  const small = bulkFolder(pds.dataDir, pds.driveId, 'small', 100);
  assert.equal((await listAll(remote, small.folderId)).length, 100);
  assert.equal(worker.counts.starts, 0, 'no worker for single pages');

  assert.equal((await listAll(remote, big.folderId)).length, 250);
  assert.equal(worker.counts.starts, 1);
  assert.ok(worker.counts.calls < 2, 'the second page did not wait for the worker');
});

test("the feed's pages after one that said has_more go through the worker", async () => {
  const client = pds.connect();
  const worker = client.http.answerWorker!;
  const remote = new DriveRemote(client, pds.driveId);
  let cursor = await remote.latestCursor();
  const fed = bulkFolder(pds.dataDir, pds.driveId, 'fed', 250, { changes: true });
  await worker.started();
  const calls = worker.counts.calls;
  let pages = 0;
  let changes = 0;
  for (let more = true; more; ) {
    const page: ChangePage = await remote.changes(cursor);
    assert.ok(!page.expired);
    pages++;
    changes += page.items.filter((c) => c.entry?.parentId === fed.folderId).length;
    [cursor, more] = [page.cursor, page.hasMore];
  }
  assert.equal(changes, 250);
  assert.ok(pages >= 3);
  assert.equal(worker.counts.calls - calls, pages - 1, 'every page but the poll\'s first');
});

test('a token rejected in the middle of a listing is renewed once, on the main thread, and the listing completes', async () => {
  const good = pds.emu.devAccount().access_token;
  let current = good;
  let renewals = 0;
  const tokens: AccessTokenProvider = {
    getToken: async () => current,
    renew: async (rejected) => {
      renewals++;
      assert.equal(rejected, 'revoked');
      current = good;
      return current;
    },
  };
  const client = pds.connect({ accessToken: undefined });
  client.useCredentials(tokens);
  await client.http.answerWorker!.started();
  const remote = new DriveRemote(client, pds.driveId);
  const seen: RemoteEntry[] = [];
  for await (const page of remote.listPages(big.folderId)) {
    seen.push(...page);
    if (seen.length === 100) current = 'revoked'; // the next page's request (already sent) used the good one
  }
  assert.equal(seen.length, 250);
  assert.equal(renewals, 1);
  assert.equal(client.http.answerWorker!.counts.calls, 3, 'the third page twice: rejected, then with the renewed token');
});

test('a worker that ends under a call is replaced, and the (idempotent) call is retried', async () => {
  const client = pds.connect();
  const worker = client.http.answerWorker!;
  await worker.started();
  pds.emu.setFaults({ latencyMs: 300 });
  try {
    const lists = listCalls();
    const pending = client.files.listEntries({ drive_id: pds.driveId, parent_file_id: big.folderId, limit: 100 }, true);
    await until('the request reached the server', () => listCalls() > lists);
    worker.end();
    const page = await pending;
    assert.equal(page.items.length, 100);
    assert.equal(worker.counts.exits, 1);
    assert.equal(worker.counts.starts, 2, 'a new worker was started');
    assert.equal(listCalls() - lists, 2, 'asked again once');
  } finally {
    pds.emu.setFaults({ latencyMs: 0 });
  }
});

test('a call through the worker is cancelled by its signal', async () => {
  const client = pds.connect();
  await client.http.answerWorker!.started();
  pds.emu.setFaults({ latencyMs: 2000 });
  try {
    const ac = new AbortController();
    const pending = client.files.listEntries({ drive_id: pds.driveId, parent_file_id: big.folderId }, true, ac.signal);
    ac.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof PdsError && e.code === 'Aborted');
  } finally {
    pds.emu.setFaults({ latencyMs: 0 });
  }
});

test('a refusal through the worker is the same PdsError as on the main thread', async () => {
  const client = pds.connect();
  await client.http.answerWorker!.started();
  await assert.rejects(client.files.listEntries({ drive_id: pds.driveId, parent_file_id: 'no-such-folder' }, true), (e: unknown) => {
    assert.ok(e instanceof PdsError);
    assert.equal(e.status, 404);
    assert.ok(e.requestId !== '');
    return true;
  });
});

test('the worker ends after an idle spell, and the next listing starts another', async () => {
  const client = pds.connect({ answerWorker: { idleMs: 100 } });
  const worker = client.http.answerWorker!;
  await worker.started();
  await client.files.listEntries({ drive_id: pds.driveId, parent_file_id: big.folderId }, true);
  await until('the worker ended', () => worker.counts.exits === 1);
  assert.equal(worker.available(), false);
  assert.equal(worker.counts.starts, 2);
});
