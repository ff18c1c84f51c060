// Uploads whose answer is lost after the server did the work (the local server's lostAnswers fault:
// the request is done, and a 503 comes back in place of its answer): the retry must recognise its
// own work and end with one file of the right content, never "the name is taken". A file of other
// content at the name is still refused.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { PdsError } from '../../src/pds/errors.js';
import { fileSource } from '../../src/pds/upload-source.js';
import { randomFile, sha1, startPds } from './fixture.js';

const PART = 64 * 1024;
const pds = await startPds();
const scope = { drive_id: pds.driveId };

/** Every test's lost answer must have fired: a test whose fault never fired tested nothing. */
let armed = 0;
afterEach(() => {
  assert.equal(pds.emu.faultsFired.lostAnswers, armed, 'every lost answer armed was lost');
});
function lose(key: string): void {
  pds.emu.loseAnswers(key, 1);
  armed++;
}

async function folder(name: string): Promise<string> {
  return (await pds.client.uploads.createFolder({ ...scope, parent_file_id: 'root', name, type: 'folder', check_name_mode: 'refuse' })).file_id;
}

/** Name → content hash of every file in the folder. */
async function filesIn(parentId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const f of pds.client.files.iterate({ ...scope, parent_file_id: parentId, fields: '*' })) out[f.name] = (f.content_hash ?? '').toUpperCase();
  return out;
}

async function put(parentId: string, name: string, data: Buffer, opts: { sha1?: boolean; replaceId?: string } = {}) {
  const file = path.join(pds.tmp, `${name}-${Date.now()}`);
  await fs.writeFile(file, data);
  return pds.client.uploader.upload({
    scope, parentId, name, source: fileSource(file, data.length),
    ...(opts.sha1 ? { sha1: sha1(data) } : {}),
    ...(opts.replaceId ? { replaceId: opts.replaceId } : {}),
  });
}

test('a rapid upload whose create answer was lost: the retry takes the file the lost attempt made', async () => {
  const dir = await folder('rapid-lost');
  const data = Buffer.from('content the server already has');
  await put(dir, 'first.txt', data);
  lose('/v2/file/create');
  const f = await put(dir, 'again.txt', data, { sha1: true });
  assert.equal(f.name, 'again.txt');
  assert.deepEqual(await filesIn(dir), { 'first.txt': sha1(data), 'again.txt': sha1(data) });
});

test('an upload whose create answer was lost starts again, and makes one file', async () => {
  const dir = await folder('create-lost');
  const data = Buffer.from('new content, no rapid upload');
  lose('/v2/file/create');
  await put(dir, 'f.txt', data, { sha1: true });
  assert.deepEqual(await filesIn(dir), { 'f.txt': sha1(data) });
});

test('a part whose PUT answer was lost is taken as stored', async () => {
  const dir = await folder('part-lost');
  const local = await randomFile(pds.tmp, PART * 2 + 100);
  lose('PUT part');
  const file = await pds.client.uploader.upload({ scope, parentId: dir, name: 'big.bin', source: fileSource(local.file, PART * 2 + 100) });
  assert.equal(file.content_hash?.toUpperCase(), local.sha1);
  assert.deepEqual(await filesIn(dir), { 'big.bin': local.sha1 });
});

test('an upload whose complete answer was lost takes the file it completed', async () => {
  const dir = await folder('complete-lost');
  const data = Buffer.from('completed once');
  lose('/v2/file/complete');
  const f = await put(dir, 'f.txt', data);
  assert.equal(f.content_hash?.toUpperCase(), sha1(data));
  assert.deepEqual(await filesIn(dir), { 'f.txt': sha1(data) });
});

test('a new revision whose create or complete answer was lost: one file with the new content', async () => {
  const dir = await folder('revision-lost');
  const old = await put(dir, 'f.txt', Buffer.from('old'));
  const known = Buffer.from('new, and known to the server');
  await put(dir, 'known.txt', known);
  lose('/v2/file/create');
  await put(dir, 'f.txt', known, { sha1: true, replaceId: old.file_id });
  assert.deepEqual(await filesIn(dir), { 'f.txt': sha1(known), 'known.txt': sha1(known) });
  const fresh = Buffer.from('new, and not known to the server');
  lose('/v2/file/complete');
  await put(dir, 'f.txt', fresh, { replaceId: old.file_id });
  assert.deepEqual(await filesIn(dir), { 'f.txt': sha1(fresh), 'known.txt': sha1(known) });
});

test('a file of other content at the name is still refused, lost answer or not', async () => {
  const dir = await folder('taken');
  const theirs = Buffer.from('theirs');
  await put(dir, 'f.txt', theirs);
  const mine = Buffer.from('mine, which the server knows');
  await put(dir, 'known.txt', mine);
  lose('/v2/file/create');
  await assert.rejects(put(dir, 'f.txt', mine, { sha1: true }), (e: unknown) => PdsError.is(e, 'AlreadyExist.File'));
  assert.deepEqual(await filesIn(dir), { 'f.txt': sha1(theirs), 'known.txt': sha1(mine) });
});
