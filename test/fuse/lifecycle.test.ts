// The mount as a process: read-only mounts, the whole namespace, refusing a busy directory, and
// `pdsfs unmount` (after which the mount process finishes its uploads and exits 0).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { controlRequest } from '../../src/control/client.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import type { DaemonStatus } from '../../src/control/status-report.js';
import { pdsfsArgs } from '../helpers/cli.js';
import { type FuseFixture, startFixture } from './fixture.js';
import { fuseUnavailable, startMount, tempDir } from './harness.js';

const run = promisify(execFile);

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

describe('FUSE mount lifecycle', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx?.close());

  test('a non-empty directory is refused', async () => {
    const busy = await tempDir('busy');
    await fs.writeFile(path.join(busy, 'here'), 'x');
    try {
      await assert.rejects(startMount(fx.source, busy), /not empty/);
    } finally {
      await fs.rm(busy, { recursive: true, force: true });
    }
  });

  test('--read-only refuses changes with EROFS and shows read-only modes', async () => {
    await fs.writeFile(`${fx.mnt}/ro-file`, 'x');
    await fx.remount({ args: ['--read-only'] });
    assert.equal(await fs.readFile(`${fx.mnt}/ro-file`, 'utf8'), 'x');
    assert.equal((await fs.stat(`${fx.mnt}/ro-file`)).mode & 0o777, 0o444);
    await assert.rejects(fs.writeFile(`${fx.mnt}/ro-new`, 'x'), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.writeFile(`${fx.mnt}/ro-file`, 'y'), (e) => code(e) === 'EROFS' || code(e) === 'EACCES');
    await assert.rejects(fs.mkdir(`${fx.mnt}/ro-dir`), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.unlink(`${fx.mnt}/ro-file`), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.access(`${fx.mnt}/ro-file`, fs.constants.W_OK), (e) => code(e) === 'EROFS');
    await fs.access(`${fx.mnt}/ro-file`, fs.constants.R_OK);
  });

  /** The daemon's list calls so far, asked over the control socket, which is no FUSE request. */
  const listCalls = async () => (await controlRequest<DaemonStatus>(controlSocketPath(fx.source.cacheDir, fx.mount.child.pid), 'GET', '/status')).body.listCalls;
  const listedAtLeast = async (n: number) => {
    for (let i = 0; i < 500 && (await listCalls()) < n; i++) await new Promise((r) => setTimeout(r, 20));
  };

  test('the root is listed as the mount starts: its first lookups and readdir wait for no list call', async () => {
    await fx.remount({ args: [] });
    await fs.mkdir(`${fx.mnt}/top`);
    await fx.remount({ freshCache: true, args: [] });
    await listedAtLeast(1);
    assert.equal(await listCalls(), 1, 'the root listed before anything looked at the mount');
    assert.equal((await fs.stat(`${fx.mnt}/top`)).isDirectory(), true);
    await assert.rejects(fs.stat(`${fx.mnt}/absent`), (e) => code(e) === 'ENOENT');
    assert.ok((await fs.readdir(fx.mnt)).includes('ro-file'));
    assert.equal(await listCalls(), 1, 'the root listed once, at the start');
  });

  test('without --drive, the drives\' roots are listed as the mount starts (not the share links)', async () => {
    await fx.remount({ wholeNamespace: true, freshCache: true, args: [] });
    const drives = (await fs.readdir(`${fx.mnt}/drives`)).sort();
    assert.ok(drives.length >= 2, 'the development account has a drive and a team drive');
    await listedAtLeast(drives.length);
    assert.equal(await listCalls(), drives.length, 'one list call per drive, before anything looked inside one');
    for (const d of drives) await fs.readdir(`${fx.mnt}/drives/${d}`);
    assert.equal(await listCalls(), drives.length, 'reading the drives asked for no listing');
  });

  test('without --drive the root holds drives/, shares/ and the views', async () => {
    await fx.remount({ wholeNamespace: true, args: [] });
    assert.deepEqual((await fs.readdir(fx.mnt)).sort(), ['drives', 'photos', 'search', 'shares', 'starred', 'trash', 'versions']);
    const drives = await fs.readdir(`${fx.mnt}/drives`);
    assert.ok(drives.length >= 1);
    assert.ok((await fs.readdir(`${fx.mnt}/drives/${drives[0]}`)).includes('ro-file'));
  });

  test('pdsfs unmount: the mount goes away and its process exits 0', async () => {
    const { child } = fx.mount;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const out = await run(process.execPath, pdsfsArgs('unmount', fx.mnt));
    assert.match(out.stdout, /unmounted/);
    assert.equal(await exited, 0, fx.mount.output());
    assert.deepEqual(await fs.readdir(fx.mnt), [], 'the mountpoint is a plain empty directory again');
  });
});
