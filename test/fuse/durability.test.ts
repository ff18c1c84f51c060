// What must survive a restart: mtimes set through the mount, and files closed just before a crash.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { bytes } from '../contract/vfs-scenarios.js';
import { type FuseFixture, startFixture } from './fixture.js';
import { fuseUnavailable, getXattr } from './harness.js';

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

describe('FUSE durability', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx?.close());

  test('mtimes set with utimens persist across a remount on a fresh cache', async () => {
    const m = fx.mnt;
    await fs.mkdir(`${m}/dated`);
    await fs.writeFile(`${m}/dated/file`, 'x');
    const fileTime = new Date(Date.UTC(2018, 2, 3, 4, 5, 6));
    const dirTime = new Date(Date.UTC(2017, 1, 2, 3, 4, 5));
    await fs.utimes(`${m}/dated/file`, new Date(), fileTime);
    await fs.utimes(`${m}/dated`, new Date(), dirTime);
    await fx.remount({ freshCache: true });
    assert.equal((await fs.stat(`${fx.mnt}/dated/file`)).mtime.getTime(), fileTime.getTime());
    assert.equal((await fs.stat(`${fx.mnt}/dated`)).mtime.getTime(), dirTime.getTime());
  });

  test('kill -9 after close: the stale mount is cleaned up and the file uploads after restart', async () => {
    // A long write-back delay: the upload cannot have happened before the crash.
    await fx.remount({ args: ['--write-back', '3600'] });
    const data = bytes(1024 * 1024 + 7, 13);
    await fs.writeFile(`${fx.mnt}/survivor.bin`, data);
    assert.equal(await getXattr(`${fx.mnt}/survivor.bin`, 'user.pds.pending'), '1');
    await fx.mount.crash();
    await assert.rejects(fs.stat(fx.mnt), (e) => code(e) === 'ENOTCONN', 'a crash leaves a stale mount');

    await fx.remount({ args: [] });
    assert.ok((await fs.readFile(`${fx.mnt}/survivor.bin`)).equals(data), 'content right after restart');
    // Stopping drains the recovered upload; a fresh cache can then only read what reached the server.
    await fx.remount({ freshCache: true });
    assert.equal(await getXattr(`${fx.mnt}/survivor.bin`, 'user.pds.pending'), '0');
    assert.ok((await fs.readFile(`${fx.mnt}/survivor.bin`)).equals(data), 'content from the server');
  });

  test('fsync then kill -9 with the file still open: nothing is lost, and it uploads after restart', async () => {
    await fx.remount({ args: ['--write-back', '3600'] });
    const data = bytes(300 * 1024 + 5, 17);
    const fh = await fs.open(`${fx.mnt}/synced.bin`, 'w');
    await fh.write(data, 0, data.length, 0);
    await fh.sync();
    await fx.mount.crash();
    await fh.close().catch(() => undefined); // the mount is gone

    await fx.remount({ args: [] });
    assert.ok((await fs.readFile(`${fx.mnt}/synced.bin`)).equals(data), 'content right after restart');
    await fx.remount({ freshCache: true });
    assert.equal(await getXattr(`${fx.mnt}/synced.bin`, 'user.pds.pending'), '0');
    assert.ok((await fs.readFile(`${fx.mnt}/synced.bin`)).equals(data), 'content from the server');
  });
});
