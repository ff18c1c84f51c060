// `pdsfs cache clear` and `pdsfs status` with no daemon running: the block caches of every data
// source in the cache dir are cleared straight from their SQLite index, refused while a journal has
// pending uploads unless --force; journal rows and staged files stay. Stale sockets are removed.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DiskBlocks } from '../../src/cache/blocks/disk-blocks.js';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { Journal } from '../../src/cache/metadata/journal.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import { pdsfs } from './fixture.js';

/** A per-source cache subdirectory as src/app.ts lays it out, with blocks and maybe a pending upload. */
async function sourceCache(dir: string, blocks: number, pending: boolean): Promise<{ staged: string }> {
  const db = CacheDb.open(path.join(dir, 'metadata.sqlite'));
  const staged = path.join(dir, 'staging', 'upload-1');
  try {
    const disk = new DiskBlocks(db, path.join(dir, 'blocks'), 1 << 30);
    for (let i = 0; i < blocks; i++) await disk.put(`drive:1/file-${i}@1`, Buffer.alloc(64 * 1024, i));
    if (pending) {
      await fs.mkdir(path.dirname(staged), { recursive: true });
      await fs.writeFile(staged, 'not uploaded yet');
      new Journal(db).add({
        volume: 'drive:1', parentId: 'root', name: 'draft.txt', stagingPath: staged, size: 16, mtime: Date.now(), sha1: null,
        state: 'dirty', replaceId: null, notBefore: 0,
      });
    }
  } finally {
    db.close();
  }
  return { staged };
}

function counts(dir: string): { blocks: number; pending: number } {
  const db = CacheDb.open(path.join(dir, 'metadata.sqlite'));
  try {
    const blocks = (db.db.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n;
    return { blocks, pending: new Journal(db).stats().pendingFiles };
  } finally {
    db.close();
  }
}

describe('cache clear with no daemon running', () => {
  let cacheDir: string;
  let staged: string;
  const a = () => path.join(cacheDir, 'aaaaaaaaaaaa');
  const b = () => path.join(cacheDir, 'bbbbbbbbbbbb');

  before(async () => {
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-offline-cache-'));
    ({ staged } = await sourceCache(a(), 3, true));
    await sourceCache(b(), 2, false);
    // Left by a daemon killed with -9: nothing listens there.
    await fs.mkdir(path.dirname(controlSocketPath(cacheDir, 999_999)), { recursive: true });
    await fs.writeFile(controlSocketPath(cacheDir, 999_999), '');
  });
  after(() => fs.rm(cacheDir, { recursive: true, force: true }));

  test('status says nothing runs and removes the stale socket', async () => {
    const run = await pdsfs(['status', '--cache-dir', cacheDir]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no serve or mount is running on cache dir/);
    await assert.rejects(fs.stat(controlSocketPath(cacheDir, 999_999)), { code: 'ENOENT' });
    const json = await pdsfs(['status', '--json', '--cache-dir', cacheDir]);
    assert.deepEqual(JSON.parse(json.stdout), { daemons: [] });
  });

  test('refused while a journal has pending uploads: nothing is cleared anywhere', async () => {
    const run = await pdsfs(['cache', 'clear', '--cache-dir', cacheDir]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /1 upload is pending .*--force/);
    assert.deepEqual(counts(a()), { blocks: 3, pending: 1 });
    assert.deepEqual(counts(b()), { blocks: 2, pending: 0 });
  });

  test('--force clears the blocks of every source and keeps the pending upload', async () => {
    const run = await pdsfs(['cache', 'clear', '--force', '--cache-dir', cacheDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /cleared 320\.0 KiB of block cache in .* \(2 data sources, no daemon running\)/);
    assert.deepEqual(counts(a()), { blocks: 0, pending: 1 });
    assert.deepEqual(counts(b()), { blocks: 0, pending: 0 });
    for (const dir of [a(), b()]) await assert.rejects(fs.stat(path.join(dir, 'blocks')), { code: 'ENOENT' });
    assert.equal(await fs.readFile(staged, 'utf8'), 'not uploaded yet');
  });
});
