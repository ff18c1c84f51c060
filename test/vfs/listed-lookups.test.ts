// A walker stats what it just listed (ls -l, a PROPFIND of each child, the VFS walk benchmark): those
// names are answered from the children it read, not by a SQLite query each, for as long as nothing
// in the store changed; after a change every name is looked up again, and what it finds is current.
// A folder read again meanwhile comes from the children kept, with no page read from SQLite.
// Counted in store lookups and pages, never timed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type StartedApp, writeFile } from '../helpers/app.js';
import { storeLookupsDuring } from '../helpers/store-lookups.js';

const FILES = 20;
let s: StartedApp;

before(async () => {
  s = await startApp();
});
after(() => s?.close());
const dir = () => `/drives/${s.app.volumes[0]!.dirName}/listed`;

test('stats of the names just listed make no lookup until the store changes, then each makes one and sees the change', async () => {
  await s.vfs.mkdir(dir());
  for (let i = 0; i < FILES; i++) await writeFile(s.vfs, `${dir()}/f${i}.txt`, Buffer.from(`file ${i}`));
  // Uploaded: the names come from the metadata store, not from pending uploads.
  await s.vfs.drain();

  const names = (await s.vfs.readdir(dir())).map((n) => n.name);
  assert.equal(names.length, FILES);
  const sizes: number[] = [];
  assert.equal(await storeLookupsDuring(async () => {
    for (const n of names) sizes.push((await s.vfs.stat(`${dir()}/${n}`)).size);
  }), 0);
  assert.deepEqual(sizes.sort(), names.map((n) => `file ${n.slice(1, -4)}`.length).sort());

  await s.vfs.rename(`${dir()}/f0.txt`, `${dir()}/renamed.txt`);
  const after = await storeLookupsDuring(async () => {
    await assert.rejects(s.vfs.stat(`${dir()}/f0.txt`), { code: 'ENOENT' });
    assert.equal((await s.vfs.stat(`${dir()}/renamed.txt`)).size, 'file 0'.length);
    for (let i = 1; i < FILES; i++) await s.vfs.stat(`${dir()}/f${i}.txt`);
  });
  assert.equal(after, FILES + 1);
});

test('a folder read again while the store is unchanged reads no page from SQLite; after a change it is read again and shows it', async () => {
  const pages = () => s.admin.status().metadata.pages;
  const listed = async () => (await s.vfs.readdir(dir())).map((n) => `${n.name}:${n.size}`).sort();
  const first = await listed();
  const before = pages();
  assert.deepEqual(await listed(), first);
  assert.deepEqual(await listed(), first);
  assert.equal(pages() - before, 0, 'no page query for a folder read while nothing changed');

  await writeFile(s.vfs, `${dir()}/added.txt`, Buffer.from('added'));
  await s.vfs.drain();
  const changed = pages();
  const again = await listed();
  assert.ok(pages() - changed >= 1, 'read from SQLite again after the store changed');
  assert.deepEqual(again, [...first, 'added.txt:5'].sort());
});
