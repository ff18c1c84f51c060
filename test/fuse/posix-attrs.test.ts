// POSIX attributes live in PDS, not in the local cache: a remount on a fresh cache and a second mount
// process show the same modes, owners, times, symlinks and FIFOs; the user_meta has the documented
// format; --no-posix-attrs shows plain defaults and stores nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { controlRequest } from '../../src/control/client.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import type { DaemonStatus } from '../../src/control/status-report.js';
import { bashScript } from '../helpers/bash.js';
import { pds } from '../helpers/emulator.js';
import { type FuseFixture, startFixture, uploaded } from './fixture.js';
import { fuseUnavailable, startMount, tempDir } from './harness.js';

const run = promisify(execFile);

async function sh(script: string): Promise<string> {
  return (await run('bash', bashScript(script))).stdout;
}

/** Type, mode, owners, size and the three times of every node below dir, folders without times (not stored). */
function listing(dir: string): Promise<string> {
  return sh(`cd ${JSON.stringify(dir)} && find . -mindepth 1 -printf '%p\\n' | sort | while read -r p; do
    if [ -d "$p" ] && [ ! -L "$p" ]; then stat -c '%n %F %a %u %g' "$p"; else stat -c '%n %F %a %u %g %s %.9X %.9Y %.9Z' "$p"; fi
  done`);
}

describe('POSIX attributes stored in PDS', { skip: process.getuid?.() !== 0 ? 'needs root (chown)' : fuseUnavailable() }, () => {
  let fx: FuseFixture;
  let before1: string;
  before(async () => {
    fx = await startFixture(['--allow-other']);
    const m = JSON.stringify(fx.mnt);
    await sh(`cd ${m} && mkdir -m 2750 share && chown 1000:99 share && echo hello > share/note && chmod 4711 share/note &&
      touch -d '2001-02-03 04:05:06.123456789' share/note && ln -s note share/link && mkfifo -m 0620 fifo &&
      setpriv --reuid=1000 --regid=1000 --clear-groups touch share/by-1000 && mknod blk b 7 3`);
    before1 = await listing(fx.mnt);
    // The tests below read what reached the server.
    await uploaded(fx);
  });
  after(() => fx?.close());

  test('the mount shows what was set', () => {
    assert.match(before1, /^\.\/share directory 2750 1000 99$/m);
    assert.match(before1, /^\.\/share\/note regular file 4711 0 99 6 \S+ 981173106\.123456789 /m);
    assert.match(before1, /^\.\/share\/link symbolic link 777 0 99 4 /m);
    assert.match(before1, /^\.\/share\/by-1000 regular empty file 644 1000 99 /m, 'the setgid folder passed its group on');
    assert.match(before1, /^\.\/fifo fifo 620 0 0 0 /m);
    assert.match(before1, /^\.\/blk block special file 644 0 0 0 /m);
  });

  test('user_meta holds them in the documented format', async () => {
    const token = fx.source.accessToken;
    const listed = await pds(fx.source.endpoint, token, 'file/list', { drive_id: fx.driveId, parent_file_id: 'root', fields: '*', limit: 100 });
    const share = listed.body.items.find((i: { name: string }) => i.name === 'share');
    const inside = await pds(fx.source.endpoint, token, 'file/list', { drive_id: fx.driveId, parent_file_id: share.file_id, fields: '*', limit: 100 });
    const note = inside.body.items.find((i: { name: string }) => i.name === 'note');
    assert.deepEqual(JSON.parse(note.user_meta)['pdsfs.posix'], {
      mode: 0o104711, uid: 0, gid: 99, rdev: 0, atime: JSON.parse(note.user_meta)['pdsfs.posix'].atime,
      mtime: '981173106.123456789', ctime: JSON.parse(note.user_meta)['pdsfs.posix'].ctime,
    });
    assert.equal(note.local_modified_at, '2001-02-03T04:05:06.123Z', 'other PDS clients see the mtime too');
    assert.equal(JSON.parse(share.user_meta)['pdsfs.posix'].mode, 0o42750);
  });

  test('a second mount process shows the same attributes', async () => {
    const dir = await tempDir('posix-second');
    const second = await startMount({ ...fx.source, cacheDir: path.join(dir, 'cache') }, path.join(dir, 'mnt'), ['--drive', fx.driveId]);
    try {
      assert.equal(await listing(second.mnt), before1);
    } finally {
      await second.stop();
    }
  });

  test('a remount on a fresh cache shows the same attributes', async () => {
    await fx.remount({ freshCache: true });
    assert.equal(await listing(fx.mnt), before1);
    assert.equal(await sh(`readlink ${JSON.stringify(`${fx.mnt}/share/link`)}`), 'note\n');
  });

  test("a folder's times set back after a write into it (rsync's last pass) store nothing; the folder shows a new ctime", async () => {
    const dir = path.join(fx.mnt, 'retouched');
    const when = 1015218367; // 2002-03-04 05:06:07 UTC
    await sh(`mkdir ${dir} && touch -d @${when} ${dir}`);
    const settled = async () => {
      for (;;) {
        const { body } = await controlRequest<DaemonStatus>(controlSocketPath(fx.source.cacheDir, fx.mount.child.pid), 'GET', '/status');
        if (body.pds.changesWaiting === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await settled();
    const updates = fx.emu.stats.handled['/v2/file/update'] ?? 0;
    const t0 = Date.now();
    await sh(`echo x > ${dir}/new`);
    assert.ok((await fs.stat(dir)).mtimeMs >= t0, 'the write moved the folder\'s mtime, as on a local disk');
    await sh(`touch -d @${when} ${dir}`);
    const shown = await fs.stat(dir);
    assert.equal(shown.mtimeMs, when * 1000);
    assert.ok(shown.ctimeMs >= t0, 'a new ctime');
    await settled();
    assert.equal(fx.emu.stats.handled['/v2/file/update'] ?? 0, updates, 'no update of the folder reached PDS');
    await fx.remount({ freshCache: true });
    assert.equal((await fs.stat(dir)).mtimeMs, when * 1000, 'PDS holds the time');
    await fs.rm(dir, { recursive: true });
  });

  test('--no-posix-attrs: plain defaults, nothing stored, no symlinks', async () => {
    await fx.remount({ args: ['--no-posix-attrs', '--uid', '4321', '--gid', '8765'] });
    const plain = await listing(fx.mnt);
    assert.match(plain, /^\.\/share directory 755 4321 8765$/m);
    assert.match(plain, /^\.\/share\/note regular file 644 4321 8765 6 /m);
    assert.match(plain, /^\.\/share\/link regular file 644 4321 8765 4 /m, 'a symlink is its small file');
    await sh(`chmod 0600 ${JSON.stringify(`${fx.mnt}/share/note`)}`);
    assert.match(await sh(`stat -c %a ${JSON.stringify(`${fx.mnt}/share/note`)}`), /^644$/m, 'chmod is accepted and not kept');
    await assert.rejects(sh(`ln -s x ${JSON.stringify(`${fx.mnt}/sym`)}`), /Operation not permitted/);
    await fx.remount({ args: ['--allow-other'] });
    assert.equal(await listing(fx.mnt), before1, 'the plain mount changed no stored attribute');
  });
});
