// Where the local server keeps the parts of open upload sessions too large for SQLite (see
// inline-content.test.ts): one file per part, side by side in uploads/, gone once the session ends (completed or its file deleted); a store that kept a folder
// per session is moved over at start, and its open sessions go on; what a crash left is removed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { INLINE_MAX_BYTES } from '../../src/emulator/store/blobs.js';
import { pds, startEmulator, type StartedEmulator } from '../helpers/emulator.js';
import { bytes, readFile, sha1Hex, uploadFile } from './support.js';

const uploadsOf = (dataDir: string) => fs.readdir(path.join(dataDir, 'uploads'));

async function session(e: StartedEmulator, name: string, size: number, parts: number): Promise<any> {
  const r = await pds(e.endpoint, e.account.access_token, 'file/create', {
    drive_id: e.account.drive_id, parent_file_id: 'root', name, type: 'file', size,
    part_info_list: Array.from({ length: parts }, (_, i) => ({ part_number: i + 1 })),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

test('parts lie side by side in uploads/ and go with their session: completed, or its file deleted', async (t) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-emu-parts-'));
  t.after(() => fs.rm(dataDir, { recursive: true, force: true }));
  const e = await startEmulator({ dataDir });
  t.after(() => e.close());

  // Larger than SQLite takes, held in memory while it arrives.
  const one = randomBytes(INLINE_MAX_BYTES + 3000);
  const s = await session(e, 'one', one.length, 1);
  assert.equal((await fetch(s.part_info_list[0].upload_url, { method: 'PUT', body: bytes(one) })).status, 200);
  assert.deepEqual(await uploadsOf(dataDir), [`${s.upload_id}-1`], 'one file, no folder per session');
  await pds(e.endpoint, e.account.access_token, 'file/complete', { drive_id: e.account.drive_id, file_id: s.file_id, upload_id: s.upload_id });
  assert.deepEqual(await uploadsOf(dataDir), [], 'the one part became the blob');

  // Several parts (one of them larger than what is held in memory) are joined, then removed.
  const big = randomBytes(700 * 1024);
  const f = await uploadFile(e, 'root', 'many', big, { partSize: 300 * 1024 });
  assert.equal(f.content_hash, sha1Hex(big));
  assert.ok((await readFile(e, f.file_id)).equals(big));
  // The same content again in one part: its blob exists already, so the part is removed instead.
  await uploadFile(e, 'root', 'same', one);
  assert.deepEqual(await uploadsOf(dataDir), []);

  const open = await session(e, 'open', 2 * one.length, 2);
  assert.equal((await fetch(open.part_info_list[0].upload_url, { method: 'PUT', body: bytes(one) })).status, 200);
  assert.equal((await uploadsOf(dataDir)).length, 1);
  const del = await pds(e.endpoint, e.account.access_token, 'file/delete', { drive_id: e.account.drive_id, file_id: open.file_id });
  assert.ok(del.status < 300, JSON.stringify(del.body));
  assert.deepEqual(await uploadsOf(dataDir), [], 'a deleted file takes its session\'s parts along');
});

test('a store with a folder per session is moved over at start: its open session completes; what a crash left goes', async (t) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-emu-parts-'));
  t.after(() => fs.rm(dataDir, { recursive: true, force: true }));
  const half = INLINE_MAX_BYTES + 2500;
  const data = randomBytes(2 * half);
  const first = await startEmulator({ dataDir });
  const s = await session(first, 'resumed', data.length, 2);
  assert.equal((await fetch(s.part_info_list[0].upload_url, { method: 'PUT', body: bytes(data.subarray(0, half)) })).status, 200);
  await first.close();
  // As an older server left it: uploads/<upload_id>/<part_number>, and a temporary file of a cut PUT.
  const uploads = path.join(dataDir, 'uploads');
  await fs.mkdir(path.join(uploads, s.upload_id));
  await fs.rename(path.join(uploads, `${s.upload_id}-1`), path.join(uploads, s.upload_id, '1'));
  await fs.writeFile(path.join(uploads, s.upload_id, '.tmp-0123456789abcdef'), 'cut');
  await fs.writeFile(path.join(uploads, '.tmp-fedcba9876543210'), 'cut');
  // A part written just before a crash, of a session whose row never was, and an ended session's folder.
  await fs.writeFile(path.join(uploads, `${'A'.repeat(32)}-1`), 'stray');
  await fs.mkdir(path.join(uploads, 'B'.repeat(32)));
  await fs.writeFile(path.join(uploads, 'B'.repeat(32), '1'), 'ended');

  const second = await startEmulator({ dataDir });
  t.after(() => second.close());
  assert.deepEqual(await uploadsOf(dataDir), [`${s.upload_id}-1`]);
  const call = (p: string, body: object) => pds(second.endpoint, second.account.access_token, p, { drive_id: second.account.drive_id, file_id: s.file_id, upload_id: s.upload_id, ...body });
  const urls = await call('file/get_upload_url', { part_info_list: [{ part_number: 2 }] });
  assert.equal((await fetch(urls.body.part_info_list[0].upload_url, { method: 'PUT', body: bytes(data.subarray(half)) })).status, 200);
  const done = await call('file/complete', {});
  assert.equal(done.body.content_hash, sha1Hex(data));
  assert.ok((await readFile(second, s.file_id)).equals(data));
  assert.deepEqual(await uploadsOf(dataDir), []);
});
