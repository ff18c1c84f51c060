// A store written by an older local PDS server is upgraded in place: every later schema step runs in
// order on the existing database, and what was stored stays readable and usable.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/emulator/store/db.js';
import { heicWithExif } from '../helpers/exif-images.js';
import { pds, startEmulator } from '../helpers/emulator.js';
import { readFile, uploadFile } from './support.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

/**
 * Rewrites the store as the first schema step left it, keeping each table's rows in that step's
 * columns; content the server keeps in SQLite becomes a file, blobs/<2 hex>/<SHA1>, as it was then.
 */
function rewriteAsSchema1(dbFile: string): void {
  const cur = new Database(dbFile, { readonly: true });
  for (const { sha1, data } of cur.prepare('SELECT sha1, data FROM blobs JOIN contents ON contents.id = blobs.content_id').all() as { sha1: string; data: Buffer }[]) {
    const file = path.join(path.dirname(dbFile), 'blobs', sha1.slice(0, 2), sha1);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
  cur.close();
  const oldFile = `${dbFile}.v1`;
  const old = new Database(oldFile);
  old.exec(MIGRATIONS[0]!);
  old.pragma('user_version = 1');
  old.exec(`ATTACH DATABASE '${dbFile.replaceAll("'", "''")}' AS cur`);
  const tables = old.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  for (const table of tables) {
    const cols = (old.prepare(`PRAGMA main.table_info(${table})`).all() as { name: string }[]).map((c) => c.name).join(', ');
    old.exec(`INSERT INTO main.${table} (${cols}) SELECT ${cols} FROM cur.${table}`);
  }
  old.exec('DETACH DATABASE cur');
  old.close();
}

it('upgrades a schema-1 store: files and accounts kept, then user_meta, revisions and image metadata work', async () => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-emu-upgrade-'));
  dirs.push(dataDir);
  const first = await startEmulator({ dataDir });
  const kept = await uploadFile(first, 'root', 'kept.txt', Buffer.from('before the upgrade'));
  await first.close();

  const dbFile = path.join(dataDir, 'pds.sqlite');
  rewriteAsSchema1(dbFile);
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) await fs.rm(f, { force: true });
  await fs.rename(`${dbFile}.v1`, dbFile);
  const probe = new Database(dbFile, { readonly: true });
  assert.equal(probe.pragma('user_version', { simple: true }), 1);
  assert.equal(probe.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'revisions'").pluck().get(), 0);
  assert.equal(probe.prepare('SELECT count(*) FROM files WHERE file_id = ?').pluck().get(kept.file_id), 1);
  probe.close();

  const e = await startEmulator({ dataDir });
  try {
    const check = new Database(dbFile, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), MIGRATIONS.length);
    check.close();
    const call = (p: string, body: Record<string, unknown>) => pds(e.endpoint, e.account.access_token, p, { drive_id: e.account.drive_id, ...body });
    assert.equal((await readFile(e, kept.file_id)).toString(), 'before the upgrade');

    const updated = await call('file/update', { file_id: kept.file_id, user_meta: '{"mode":420}' });
    assert.equal(updated.status, 200);
    assert.equal((await call('file/get', { file_id: kept.file_id })).body.user_meta, '{"mode":420}');

    await uploadFile(e, 'root', 'kept.txt', Buffer.from('after'), { fileId: kept.file_id });
    const revisions = await call('file/revision/list', { file_id: kept.file_id });
    assert.equal(revisions.status, 200);
    assert.equal(revisions.body.items.length, 2);
    const old = revisions.body.items.find((r: any) => !r.is_latest_version);
    const url = await call('file/get_download_url', { file_id: kept.file_id, revision_id: old.revision_id });
    assert.equal(await (await fetch(url.body.url)).text(), 'before the upgrade');

    const photo = await uploadFile(e, 'root', 'photo.heic', heicWithExif({ taken: '2024:05:17 10:04:05', latitude: 40.110333, longitude: 116.349444 }));
    assert.equal((await call('file/get', { file_id: photo.file_id })).body.image_media_metadata?.time, '2024-05-17T10:04:05.000Z');
  } finally {
    await e.close();
  }
});
