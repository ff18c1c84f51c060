// A folder made while changes wait in the op log has a local id until its turn comes; the replay
// then moves it, and the rows waiting in it, to its PDS id. A file being created in it at that
// moment must land under the id its folder has when the file's row is written, or no lookup finds it
// (rsync's fchmod right after its create failed with ENOENT).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StagingFiles } from '../../src/cache/staging/staging-files.js';
import { type StartedApp, startApp } from '../helpers/app.js';

let s: StartedApp;
before(async () => {
  s = await startApp({ drive: '1' });
});
after(() => s?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a file created while its folder gets its PDS id is found, and uploaded, under that id', async () => {
  const { vfs } = s;
  await vfs.mkdir('/slow');
  await vfs.drain();
  const t = Date.UTC(2020, 1, 2, 3, 4, 5);
  const makeOpen = StagingFiles.prototype.createOpen;
  let reached = false;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  s.emu.setFaults({ latencyMs: 300 });
  try {
    // An update waits in the op log, so the folder is made locally, queued behind it.
    await vfs.setMtime('/slow', t);
    await vfs.mkdir('/slow/new');
    assert.ok(s.admin.offline().changes.pending > 0, 'the folder waits for its turn');
    // The create has resolved the folder (local id) and waits for its staging file until the replay has moved the folder.
    StagingFiles.prototype.createOpen = async function (this: StagingFiles) {
      const file = await makeOpen.call(this);
      reached = true;
      await gate;
      return file;
    };
    const opening = vfs.open('/slow/new/f.txt', { read: false, write: true, create: true, truncate: false });
    while (s.admin.offline().changes.pending > 0) await sleep(20);
    assert.ok(reached, 'the create was waiting when the folder got its PDS id');
    release();
    const handle = await opening;
    StagingFiles.prototype.createOpen = makeOpen;
    // What rsync does right after its create: a change of the new file by its path.
    await vfs.setAttrs('/slow/new/f.txt', { mode: 0o100600, uid: 0, gid: 0, rdev: 0, atime: 0n, mtime: 0n, ctime: 0n });
    const data = Buffer.from('made while its folder was moved');
    await handle.write(data, 0, data.length);
    await handle.release();
    await vfs.setMtime('/slow/new/f.txt', t);
    assert.equal((await vfs.stat('/slow/new/f.txt')).mtime, t);
  } finally {
    StagingFiles.prototype.createOpen = makeOpen;
    release();
    s.emu.setFaults({ latencyMs: 0 });
  }
  await vfs.drain();
  assert.deepEqual((await vfs.readdir('/slow/new')).map((e) => e.name), ['f.txt']);
  assert.equal(s.admin.status().pendingFiles, 0, 'uploaded');
});
