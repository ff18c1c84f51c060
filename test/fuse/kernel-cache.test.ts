// The kernel caches entries, attributes and missing names for KERNEL_CACHE_SEC, the binding the
// attributes JS handed over for ATTR_CACHE_TTL_SEC: a change made on the server (not through the
// mount) still shows within the poll interval plus those windows, including a name the kernel had
// just been told does not exist.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { ATTR_CACHE_TTL_SEC } from '../../src/fuse/attr-cache-c.js';
import { KERNEL_CACHE_SEC } from '../../src/fuse/mount.js';
import { pds } from '../helpers/emulator.js';
import { type FuseFixture, startFixture } from './fixture.js';
import { eventually, fuseUnavailable } from './harness.js';

const POLL_SEC = 1;

describe('FUSE kernel caching', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  before(async () => {
    fx = await startFixture(['--poll-interval', String(POLL_SEC)]);
  });
  after(() => fx?.close());

  test('a folder created on the server shows within the poll interval plus the kernel window, even after a lookup missed it', async () => {
    const name = 'made-on-the-server';
    await assert.rejects(fs.stat(`${fx.mnt}/${name}`), { code: 'ENOENT' }); // now cached as missing
    const made = await pds(fx.source.endpoint, fx.source.accessToken, '/v2/file/create', {
      drive_id: fx.driveId, parent_file_id: 'root', name, type: 'folder', check_name_mode: 'refuse',
    });
    assert.equal(made.status, 201);
    let looks = 0;
    // Slack for a loaded machine on top of the documented window; the count shows it was waited for.
    await eventually(async () => (looks++, (await fs.stat(`${fx.mnt}/${name}`)).isDirectory()), 'the server-side folder', (POLL_SEC + KERNEL_CACHE_SEC + ATTR_CACHE_TTL_SEC + 20) * 1000);
    assert.ok(looks >= 1);
  });

  test('a change made through the mount shows at once', async () => {
    await fs.writeFile(`${fx.mnt}/local.txt`, 'one');
    assert.equal((await fs.stat(`${fx.mnt}/local.txt`)).size, 3);
    await fs.writeFile(`${fx.mnt}/local.txt`, 'three');
    assert.equal((await fs.stat(`${fx.mnt}/local.txt`)).size, 5);
    await fs.rename(`${fx.mnt}/local.txt`, `${fx.mnt}/moved.txt`);
    await assert.rejects(fs.stat(`${fx.mnt}/local.txt`), { code: 'ENOENT' });
    await fs.writeFile(`${fx.mnt}/local.txt`, 'back');
    assert.equal(await fs.readFile(`${fx.mnt}/local.txt`, 'utf8'), 'back');
  });
});
