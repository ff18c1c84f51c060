// Real tools against a real mount: rsync round trips, cp + cmp of a multi-part file, parallel readers.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { bytes } from '../contract/vfs-scenarios.js';
import { type FuseFixture, startFixture } from './fixture.js';
import { fuseUnavailable, tempDir } from './harness.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
/** Bigger than one upload part (8 MiB) and many blocks, small enough for a quick suite. */
const BIG = 20 * MiB + 4321;

async function sha1File(p: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(p, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A small tree with nested dirs, an empty file, a multi-block file and old mtimes. */
async function makeTree(root: string): Promise<void> {
  const files: [string, Buffer][] = [
    ['a.txt', Buffer.from('alpha\n')],
    ['empty', Buffer.alloc(0)],
    ['sub/b.bin', bytes(300_000, 2)],
    ['sub/deeper/c.bin', bytes(2 * MiB + 17, 3)],
    ['sub/deeper/d.txt', Buffer.from('delta\n')],
    ['other/e.txt', Buffer.from('echo\n')],
  ];
  let t = Date.UTC(2020, 0, 1) / 1000;
  for (const [rel, data] of files) {
    const p = path.join(root, rel);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, data);
    await fs.utimes(p, t, t);
    t += 86_400;
  }
  for (const dir of ['sub/deeper', 'sub', 'other', '.']) await fs.utimes(path.join(root, dir), t, t);
}

describe('tools on a FUSE mount', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  let work: string;
  before(async () => {
    fx = await startFixture();
    work = await tempDir('fuse-tools');
  });
  after(async () => {
    await fx?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('rsync -a twice: the second run itemizes nothing; --checksum finds nothing to fix', async () => {
    const src = path.join(work, 'tree');
    await makeTree(src);
    const dst = `${fx.mnt}/rsync-dst/`;
    await run('rsync', ['-a', `${src}/`, dst]);
    const second = await run('rsync', ['-a', '-i', `${src}/`, dst]);
    assert.equal(second.stdout, '', 'second rsync -a transferred or touched something');
    // Survives a restart on a fresh cache: sizes and mtimes now come from the uploaded entries.
    await fx.remount({ freshCache: true });
    const third = await run('rsync', ['-a', '-i', `${src}/`, dst]);
    assert.equal(third.stdout, '', 'rsync -a after remount itemized changes');
    const checked = await run('rsync', ['-a', '-i', '--checksum', `${src}/`, dst]);
    assert.equal(checked.stdout, '', 'rsync --checksum found differing content');
  });

  test('cp -p then cmp of a multi-part file, before and after upload', async () => {
    const src = path.join(work, 'big.bin');
    await fs.writeFile(src, bytes(BIG, 9));
    const mtime = new Date(Date.UTC(2021, 6, 7, 8, 9, 10));
    await fs.utimes(src, mtime, mtime);
    await run('cp', ['-p', src, `${fx.mnt}/big.bin`]);
    await run('cmp', [src, `${fx.mnt}/big.bin`]);
    // Stopping drains the upload; a fresh cache then has to read everything back from the server.
    await fx.remount({ freshCache: true });
    const st = await fs.stat(`${fx.mnt}/big.bin`);
    assert.equal(st.size, BIG);
    assert.equal(st.mtime.getTime(), mtime.getTime(), 'cp -p kept the mtime');
    await run('cmp', [src, `${fx.mnt}/big.bin`]);
  });

  test('concurrent readers of one file all see the same bytes', async () => {
    const src = path.join(work, 'shared.bin');
    await fs.writeFile(src, bytes(6 * MiB + 99, 11));
    await run('cp', [src, `${fx.mnt}/shared.bin`]);
    await fx.remount({ freshCache: true });
    const want = await sha1File(src);
    // Separate processes: the local PDS server shares this process's libuv pool, which blocked
    // reads of the mount would otherwise fill.
    const got = await Promise.all(Array.from({ length: 4 }, async () => (await run('sha1sum', [`${fx.mnt}/shared.bin`])).stdout.split(' ')[0]));
    assert.deepEqual(got, [want, want, want, want]);
  });
});
