// Small content lives in the local server's SQLite, not a file each: a small upload makes no file
// under the data dir, is served whole and by ranges byte for byte, survives a restart and a kill -9,
// is shared by files of the same content, and goes when nothing refers to it any more. Larger
// content (and a large file's small last part, once joined) stays a file.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { INLINE_MAX_BYTES } from '../../src/emulator/store/blobs.js';
import { pds, startEmulator, type StartedEmulator } from '../helpers/emulator.js';
import { emulatorProcess, readFile, sha1Hex, tempDir, uploadFile } from './support.js';

/** Every file where the server keeps content: blobs/, uploads/ (parts) and tmp/. */
async function contentFiles(dataDir: string): Promise<string[]> {
  const all = (await fs.readdir(dataDir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
  return all.map((d) => path.relative(dataDir, path.join(d.parentPath, d.name))).filter((f) => /^(blobs|uploads|tmp)\//.test(f)).sort();
}

/** Counts in the store, read beside the running server (it opens the store shared in tests). */
function storeCounts(dataDir: string): { contents: number; inlineBlobs: number; fileBlobs: number; parts: number } {
  const db = new Database(path.join(dataDir, 'pds.sqlite'), { readonly: true });
  try {
    const n = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      contents: n('SELECT count(*) FROM contents'),
      inlineBlobs: n('SELECT count(*) FROM blobs WHERE content_id IS NOT NULL'),
      fileBlobs: n('SELECT count(*) FROM blobs WHERE content_id IS NULL'),
      parts: n('SELECT count(*) FROM upload_parts'),
    };
  } finally {
    db.close();
  }
}

async function download(e: StartedEmulator, fileId: string, range?: string, method = 'GET'): Promise<Response> {
  const u = await pds(e.endpoint, e.account.access_token, 'file/get_download_url', { drive_id: e.account.drive_id, file_id: fileId });
  assert.equal(u.status, 200, JSON.stringify(u.body));
  return fetch(u.body.url, { method, headers: range ? { range } : {} });
}

test('a small upload makes no file: its bytes live in SQLite, served whole and by ranges, shared by equal content, kept over a restart', async (t) => {
  const dataDir = await tempDir(t, 'pdsfs-emu-inline-');
  let e = await startEmulator({ dataDir });
  t.after(() => e.close());

  const data = randomBytes(INLINE_MAX_BYTES);
  const f = await uploadFile(e, 'root', 'small.bin', data);
  assert.equal(f.content_hash, sha1Hex(data));
  assert.deepEqual(await contentFiles(dataDir), [], 'no file appeared under the data dir');
  assert.deepEqual(storeCounts(dataDir), { contents: 1, inlineBlobs: 1, fileBlobs: 0, parts: 0 });

  const whole = await download(e, f.file_id);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('etag'), `"${sha1Hex(data)}"`);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(data));
  for (const [range, start, end] of [['bytes=100-4195', 100, 4195], ['bytes=-50', data.length - 50, data.length - 1], [`bytes=${data.length - 7}-`, data.length - 7, data.length - 1]] as const) {
    const r = await download(e, f.file_id, range);
    assert.equal(r.status, 206, range);
    assert.equal(r.headers.get('content-range'), `bytes ${start}-${end}/${data.length}`);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(data.subarray(start, end + 1)), range);
  }
  const head = await download(e, f.file_id, undefined, 'HEAD');
  assert.equal(head.headers.get('content-length'), String(data.length));
  assert.equal((await download(e, f.file_id, `bytes=${data.length}-`)).status, 416);

  // The same bytes again, sent (no rapid upload): the part's row goes, the blob's stays the one.
  const again = await uploadFile(e, 'root', 'again.bin', data);
  assert.equal(again.content_hash, f.content_hash);
  assert.deepEqual(storeCounts(dataDir), { contents: 1, inlineBlobs: 1, fileBlobs: 0, parts: 0 });

  // Small parts joined in memory make one row; the parts' rows go.
  const joined = randomBytes(3000);
  const j = await uploadFile(e, 'root', 'joined.bin', joined, { partSize: 1000 });
  assert.ok((await readFile(e, j.file_id)).equals(joined));
  assert.deepEqual(storeCounts(dataDir), { contents: 2, inlineBlobs: 2, fileBlobs: 0, parts: 0 });
  assert.deepEqual(await contentFiles(dataDir), []);

  await e.close();
  e = await startEmulator({ dataDir });
  assert.ok((await readFile(e, f.file_id)).equals(data), 'kept over a restart');
  const r = await download(e, j.file_id, 'bytes=999-1000');
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(joined.subarray(999, 1001)));
});

test('larger content stays a file; a large file\'s small last part is joined into it and its row goes', async (t) => {
  const dataDir = await tempDir(t, 'pdsfs-emu-inline-');
  const e = await startEmulator({ dataDir });
  t.after(() => e.close());
  const one = randomBytes(INLINE_MAX_BYTES + 1);
  const f = await uploadFile(e, 'root', 'one.bin', one);
  const big = randomBytes(3 * INLINE_MAX_BYTES + 100);
  const g = await uploadFile(e, 'root', 'big.bin', big, { partSize: 3 * INLINE_MAX_BYTES });
  assert.deepEqual(storeCounts(dataDir), { contents: 0, inlineBlobs: 0, fileBlobs: 2, parts: 0 });
  assert.deepEqual(await contentFiles(dataDir), [f.content_hash, g.content_hash].map((h: string) => path.join('blobs', h.slice(0, 2), h)).sort());
  assert.ok((await readFile(e, f.file_id)).equals(one));
  const r = await download(e, g.file_id, `bytes=${big.length - 200}-`);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(big.subarray(big.length - 200)));
});

test('a small blob goes with its last file: its row is removed by the sweep once orphaned past the grace period', async (t) => {
  const dataDir = await tempDir(t, 'pdsfs-emu-inline-');
  const first = await startEmulator({ dataDir });
  const keep = await uploadFile(first, 'root', 'keep.bin', randomBytes(2000));
  const gone = await uploadFile(first, 'root', 'gone.bin', randomBytes(2000));
  const del = await pds(first.endpoint, first.account.access_token, 'file/delete', { drive_id: first.account.drive_id, file_id: gone.file_id });
  assert.ok(del.status < 300, JSON.stringify(del.body));
  await first.close();
  // Orphaned long ago, as if the grace period (longer than any download URL lives) had passed.
  const db = new Database(path.join(dataDir, 'pds.sqlite'));
  assert.equal(db.prepare('UPDATE blobs SET orphaned_at = 1 WHERE orphaned_at IS NOT NULL').run().changes, 1);
  db.close();
  const second = await startEmulator({ dataDir }); // the sweep runs at start
  t.after(() => second.close());
  assert.deepEqual(storeCounts(dataDir), { contents: 1, inlineBlobs: 1, fileBlobs: 0, parts: 0 });
  assert.equal((await readFile(second, keep.file_id)).length, 2000);
});

test('a completed small upload survives kill -9 of the server', async (t) => {
  const dataDir = await tempDir(t, 'pdsfs-emu-inline-');
  const server = await emulatorProcess(t, dataDir);
  const data = randomBytes(5000);
  const f = await uploadFile(server.started, 'root', 'crash.bin', data);
  await server.kill9();
  const e = await startEmulator({ dataDir });
  t.after(() => e.close());
  assert.ok((await readFile(e, f.file_id)).equals(data));
  assert.deepEqual(await contentFiles(dataDir), []);
});
