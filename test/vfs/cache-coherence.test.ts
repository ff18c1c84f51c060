// Metadata cache: own writes at once, other clients' changes through the change feed, persistence
// across restarts (counted in list requests), duplicate names, and single-flight block fetches.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bytes } from '../contract/vfs-scenarios.js';
import { pds } from '../helpers/emulator.js';
import { readFile, type StartedApp, startApp, writeFile } from '../helpers/app.js';
import { storeLookupsDuring } from '../helpers/store-lookups.js';

/** Another client uploads a new version of a file at the drive's root, through the PDS API. */
async function replaceOnServer(s: StartedApp, name: string, content: Buffer): Promise<void> {
  const api = (path: string, body: object) => pds(s.endpoint, s.account.access_token, path, { drive_id: s.account.drive_id, ...body });
  const id = ((await api('/v2/file/get_by_path', { file_path: `/${name}` })).body as { file_id: string }).file_id;
  const c = (await api('/v2/file/create', { parent_file_id: 'root', name, type: 'file', file_id: id, size: content.length })).body as {
    upload_id: string;
    part_info_list: { upload_url: string }[];
  };
  await fetch(c.part_info_list[0]!.upload_url, { method: 'PUT', body: new Uint8Array(content) });
  await api('/v2/file/complete', { file_id: id, upload_id: c.upload_id });
}

describe('Vfs metadata and block caches', () => {
  let s: StartedApp;
  const api = (path: string, body: object) => pds(s.endpoint, s.account.access_token, path, body);
  const listCount = () => s.emu.stats.requests['/v2/file/list'] ?? 0;

  before(async () => {
    s = await startApp({ drive: undefined, pollIntervalMs: 1_000 });
  });
  after(() => s.close());
  const d = () => `/drives/${s.app.volumes[0]!.dirName}`;

  test('own writes show at once with no refetch', async () => {
    await s.vfs.mkdir(`${d()}/own`);
    await s.vfs.readdir(`${d()}/own`);
    s.emu.resetStats();
    await writeFile(s.vfs, `${d()}/own/a.txt`, Buffer.from('a'));
    await s.vfs.mkdir(`${d()}/own/sub`);
    const names = (await s.vfs.readdir(`${d()}/own`)).map((n) => n.name).sort();
    assert.deepEqual(names, ['a.txt', 'sub']);
    assert.equal(listCount(), 0);
  });

  test('a change made through the PDS API directly appears within the poll interval', async () => {
    await s.vfs.mkdir(`${d()}/watched`);
    assert.deepEqual(await s.vfs.readdir(`${d()}/watched`), []);
    const dirId = ((await api('/v2/file/get_by_path', { drive_id: s.account.drive_id, file_path: '/watched' })).body as { file_id: string }).file_id;
    const created = await api('/v2/file/create', { drive_id: s.account.drive_id, parent_file_id: dirId, name: 'from-elsewhere', type: 'folder', check_name_mode: 'refuse' });
    assert.equal(created.status, 201);
    const deadline = Date.now() + 10_000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      names = (await s.vfs.readdir(`${d()}/watched`)).map((n) => n.name);
      if (names.includes('from-elsewhere')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(names, ['from-elsewhere']);
  });

  test('two siblings with one name both show, with a stable suffix', async () => {
    await s.vfs.mkdir(`${d()}/dups`);
    const dirId = ((await api('/v2/file/get_by_path', { drive_id: s.account.drive_id, file_path: '/dups' })).body as { file_id: string }).file_id;
    for (let i = 0; i < 2; i++) {
      const r = await api('/v2/file/create', { drive_id: s.account.drive_id, parent_file_id: dirId, name: 'twin', type: 'folder', check_name_mode: 'ignore' });
      assert.equal(r.status, 201);
    }
    await s.admin.pollNow();
    const names = (await s.vfs.readdir(`${d()}/dups`)).map((n) => n.name).sort();
    assert.equal(names.length, 2);
    assert.equal(names[0], 'twin');
    assert.match(names[1]!, /^twin \(pds-[0-9A-Za-z_-]+\)$/);
    for (const n of names) assert.equal((await s.vfs.stat(`${d()}/dups/${n}`)).kind, 'dir');
    assert.deepEqual((await s.vfs.readdir(`${d()}/dups`)).map((n) => n.name).sort(), names, 'stable');
  });

  test('a warm tree needs zero list calls after a restart', async () => {
    await s.vfs.mkdir(`${d()}/warm`);
    await writeFile(s.vfs, `${d()}/warm/f.txt`, Buffer.from('warm'));
    await s.vfs.drain();
    await s.vfs.readdir('/drives');
    await s.vfs.readdir(d());
    await s.vfs.readdir(`${d()}/warm`);
    await s.restart();
    s.emu.resetStats();
    await s.vfs.readdir(d());
    assert.deepEqual((await s.vfs.readdir(`${d()}/warm`)).map((n) => n.name), ['f.txt']);
    assert.equal((await s.vfs.stat(`${d()}/warm/f.txt`)).size, 4);
    assert.equal(listCount(), 0);
  });

  test('concurrent readers of one file fetch each block once', async () => {
    const data = bytes(3 * 1024 * 1024 + 100, 11); // 4 blocks of 1 MiB
    await writeFile(s.vfs, `${d()}/shared.bin`, data);
    await s.vfs.drain();
    s.emu.resetStats();
    const results = await Promise.all(Array.from({ length: 4 }, () => readFile(s.vfs, `${d()}/shared.bin`, 128 * 1024)));
    for (const r of results) assert.ok(r.equals(data));
    // Each byte comes over the wire once (read-ahead may merge blocks into fewer, larger GETs).
    assert.equal(s.emu.stats.bytesDownloaded, data.length);
    assert.ok((s.emu.stats.requests['GET data'] ?? 0) <= 4, `GETs: ${s.emu.stats.requests['GET data']}`);
  });

  test('an overwrite by another client never serves stale bytes', async () => {
    const p = `${d()}/changing.txt`;
    await writeFile(s.vfs, p, Buffer.from('first'));
    await s.vfs.drain();
    assert.equal((await readFile(s.vfs, p)).toString(), 'first');
    await replaceOnServer(s, 'changing.txt', Buffer.from('second version'));
    await s.admin.pollNow();
    assert.equal((await readFile(s.vfs, p)).toString(), 'second version');
  });

  test('folders resolved once are not looked up again per op, and a folder renamed or removed is resolved afresh', async () => {
    await s.vfs.mkdir(`${d()}/deep`);
    await s.vfs.mkdir(`${d()}/deep/b`);
    await s.vfs.mkdir(`${d()}/deep/b/c`);
    await writeFile(s.vfs, `${d()}/deep/b/c/f.txt`, Buffer.from('f'));
    const path = `${d()}/deep/b/c/f.txt`;
    await s.vfs.stat(path);
    const lookups = await storeLookupsDuring(async () => {
      for (let i = 0; i < 10; i++) await s.vfs.stat(path);
    });
    // The pending file is found in the journal; its three folders come from the resolved-folder memo.
    assert.equal(lookups, 0);
    await s.vfs.rename(`${d()}/deep/b`, `${d()}/deep/b2`);
    await assert.rejects(s.vfs.stat(path), { code: 'ENOENT' });
    assert.equal((await s.vfs.stat(`${d()}/deep/b2/c/f.txt`)).size, 1);
    await s.vfs.mkdir(`${d()}/deep/b`);
    await assert.rejects(s.vfs.stat(`${d()}/deep/b/c`), { code: 'ENOENT' });
    await s.vfs.remove(`${d()}/deep/b2`, { recursive: true });
    await assert.rejects(s.vfs.stat(`${d()}/deep/b2/c`), { code: 'ENOENT' });
  });
});

describe('a file changed on the server before the change feed says so', () => {
  let s: StartedApp;
  before(async () => {
    s = await startApp({ drive: undefined, pollIntervalMs: 3_600_000 });
  });
  after(() => s.close());

  test('a read fails once, saying why, and the next read gets the new version', async () => {
    const p = `/drives/${s.app.volumes[0]!.dirName}/moving.txt`;
    await writeFile(s.vfs, p, Buffer.from('first version'));
    await s.vfs.drain();
    await s.admin.clearBlockCache();
    await replaceOnServer(s, 'moving.txt', Buffer.from('the second, longer version'));
    const h = await s.vfs.open(p, { read: true, write: false });
    try {
      const buf = Buffer.alloc(100);
      await assert.rejects(h.read(buf, 0, 100), /changed on the server while open/);
      const n = await h.read(buf, 0, 100);
      assert.equal(buf.subarray(0, n).toString(), 'the second, longer version');
    } finally {
      await h.release();
    }
    assert.equal((await s.vfs.stat(p)).size, 26);
    assert.equal((await readFile(s.vfs, p)).toString(), 'the second, longer version');
  });
});
