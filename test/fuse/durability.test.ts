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

  // One crash covers both ways a write is promised to survive (two crashes cost three more mounts).
  test('kill -9 after close, and after fsync with the file still open: the stale mount is cleaned up, nothing is lost, both upload after restart', async () => {
    // A long write-back delay: the uploads cannot have happened before the crash.
    await fx.remount({ args: ['--write-back', '3600'] });
    const closed = bytes(1024 * 1024 + 7, 13);
    await fs.writeFile(`${fx.mnt}/survivor.bin`, closed);
    assert.equal(await getXattr(`${fx.mnt}/survivor.bin`, 'user.pds.pending'), '1');
    const synced = bytes(300 * 1024 + 5, 17);
    const fh = await fs.open(`${fx.mnt}/synced.bin`, 'w');
    await fh.write(synced, 0, synced.length, 0);
    await fh.sync();
    await fx.mount.crash();
    await fh.close().catch(() => undefined); // the mount is gone
    await assert.rejects(fs.stat(fx.mnt), (e) => code(e) === 'ENOTCONN', 'a crash leaves a stale mount');

    await fx.remount({ args: [] });
    assert.ok((await fs.readFile(`${fx.mnt}/survivor.bin`)).equals(closed), 'closed file: content right after restart');
    assert.ok((await fs.readFile(`${fx.mnt}/synced.bin`)).equals(synced), 'fsynced file: content right after restart');
    // Stopping drains the recovered uploads; a fresh cache can then only read what reached the server.
    await fx.remount({ freshCache: true });
    for (const [name, data] of [['survivor.bin', closed], ['synced.bin', synced]] as const) {
      assert.equal(await getXattr(`${fx.mnt}/${name}`, 'user.pds.pending'), '0', name);
      assert.ok((await fs.readFile(`${fx.mnt}/${name}`)).equals(data), `${name}: content from the server`);
    }
  });
});
