// A cold stat of a deep path: one file/get_by_path where the server can answer for pdsfs, the
// folder-by-folder listing walk where it cannot (another Unicode spelling, a duplicate's display
// name, changes not on the server yet). Counts requests, never time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VfsError } from '../../src/core/errors.js';
import { startApp, writeFile, type StartedApp } from '../helpers/app.js';
import { mkdir, uploadFile } from '../emulator/support.js';
import { pds, type StartedEmulator } from '../helpers/emulator.js';

let s: StartedApp;
let e: StartedEmulator;
let root: string;
let newerTwin: string;

before(async () => {
  // Write-back held back, so a written file stays pending (in the journal) while the test looks.
  s = await startApp({ writeBackMs: 60_000 });
  e = { emu: s.emu, account: s.account, endpoint: s.endpoint } as StartedEmulator;
  const c = await mkdir(e, await mkdir(e, await mkdir(e, await mkdir(e, 'root', 'deep'), 'a'), 'b'), 'c');
  await uploadFile(e, c, 'leaf.txt', Buffer.from('leaf'));
  await uploadFile(e, c, 'other.txt', Buffer.from('other'));
  // Stored in NFD, as Finder names it; looked up below in NFC.
  await uploadFile(e, await mkdir(e, await mkdir(e, 'root', 'nfd'), 'cafe\u0301'), 'menu.txt', Buffer.from('menu'));
  // PDS allows two entries of one name; pdsfs shows the newer one with a suffix from its id.
  const dups = await mkdir(e, 'root', 'dups');
  await mkdir(e, dups, 'twin');
  const twin = await pds(e.endpoint, e.account.access_token, 'file/create', { drive_id: e.account.drive_id, parent_file_id: dups, name: 'twin', type: 'folder', check_name_mode: 'ignore' });
  newerTwin = twin.body.file_id;
  await uploadFile(e, newerTwin, 'inside.txt', Buffer.from('inside'));
  await mkdir(e, await mkdir(e, await mkdir(e, 'root', 'quiet'), 'x'), 'y');
  root = `/drives/${s.app.volumes[0]!.dirName}`;
});
after(() => s.close());

function requests(): { byPath: number; lists: number } {
  const r = s.emu.stats.requests;
  return { byPath: r['/v2/file/get_by_path'] ?? 0, lists: r['/v2/file/list'] ?? 0 };
}

test('a cold stat of a deep path is one get_by_path and no listing; the entry it brings agrees with the listing after', async () => {
  s.emu.resetStats();
  const listCalls = s.admin.status().listCalls;
  const st = await s.vfs.stat(`${root}/deep/a/b/c/leaf.txt`);
  assert.equal(st.kind, 'file');
  assert.equal(st.size, 4);
  assert.deepEqual(requests(), { byPath: 1, lists: 0 });
  assert.equal(s.admin.status().listCalls, listCalls);

  // Reading it costs the data GET alone: the answer carried the download URL.
  const h = await s.vfs.open(`${root}/deep/a/b/c/leaf.txt`, { read: true, write: false });
  const buf = Buffer.alloc(16);
  assert.equal(await h.read(buf, 0, 16), 4);
  await h.release();
  assert.equal(buf.subarray(0, 4).toString(), 'leaf');
  assert.equal(s.emu.stats.requests['/v2/file/get_download_url'] ?? 0, 0);

  // Listing the folder (one get_by_path for c, one list) shows the same entry, once.
  s.emu.resetStats();
  const names = await s.vfs.readdir(`${root}/deep/a/b/c`);
  assert.deepEqual(requests(), { byPath: 1, lists: 1 });
  assert.deepEqual(names.map((n) => n.name).sort(), ['leaf.txt', 'other.txt']);
  assert.equal(names.find((n) => n.name === 'leaf.txt')!.ino, st.ino);
});

test('a cold stat of a deep path that is not there is one request', async () => {
  s.emu.resetStats();
  await assert.rejects(s.vfs.stat(`${root}/deep/a/nope/leaf.txt`), (err) => VfsError.is(err, 'ENOENT'));
  assert.deepEqual(requests(), { byPath: 1, lists: 0 });
});

test('a name the server may store in another Unicode spelling falls back to the listings, and is found', async () => {
  s.emu.resetStats();
  const st = await s.vfs.stat(`${root}/nfd/caf\u00e9/menu.txt`);
  assert.equal(st.size, 4);
  // get_by_path spells names exactly: not found; then the drive root, nfd and café are listed,
  // with no second get_by_path on the way.
  assert.deepEqual(requests(), { byPath: 1, lists: 3 });
});

test("a duplicate's display name is pdsfs's, not the server's: the listings resolve it", async () => {
  s.emu.resetStats();
  const st = await s.vfs.stat(`${root}/dups/twin (pds-${newerTwin.slice(0, 8)})/inside.txt`);
  assert.equal(st.size, 6);
  // The drive root is listed (by the test before); dups and the twin are.
  assert.deepEqual(requests(), { byPath: 0, lists: 2 });
});

test('while a write waits for upload, the server does not have the local tree: the listings resolve paths', async () => {
  await writeFile(s.vfs, `${root}/new.txt`, Buffer.from('not uploaded yet'));
  s.emu.resetStats();
  assert.equal((await s.vfs.stat(`${root}/quiet/x/y`)).kind, 'dir');
  assert.deepEqual(requests(), { byPath: 0, lists: 2 });
});
