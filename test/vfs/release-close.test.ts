// The last release of a file answers without waiting for its staging file's close (a trip through
// libuv's pool); the VFS's close waits for every such close. Held here at StagedFile.close.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { StagedFile } from '../../src/vfs/staged-file.js';
import { startMemoryApp } from '../helpers/memory-app.js';

/** Holds every StagedFile.close() while holding; counts the held ones and those finished. */
function holdCloses() {
  const close = StagedFile.prototype.close;
  const held: (() => void)[] = [];
  const state = { holding: true, held: 0, finished: 0, release: () => { state.holding = false; held.splice(0).forEach((go) => go()); } };
  StagedFile.prototype.close = async function (this: StagedFile) {
    if (state.holding) {
      state.held++;
      await new Promise<void>((go) => held.push(go));
    }
    await close.call(this);
    state.finished++;
  };
  after(() => (StagedFile.prototype.close = close));
  return state;
}

test("a file's last release answers before its staging file is closed; the VFS's close waits for it", async () => {
  const s = await startMemoryApp({ writeBackMs: 3_600_000 });
  const file = '/drives/My Drive/released.txt';
  const h = await s.vfs.open(file, { read: false, write: true, create: true, truncate: true });
  await h.write(Buffer.from('released'), 0, 8);
  const closes = holdCloses();
  let released = false;
  const release = h.release().then(() => (released = true));
  for (let i = 0; i < 50 && closes.held === 0; i++) await turn();
  assert.equal(closes.held, 1, 'the staging file is being closed');
  for (let i = 0; i < 20 && !released; i++) await turn();
  assert.equal(released, true, 'release answered while its close is held');
  await release;
  assert.equal(closes.finished, 0);
  assert.equal((await s.vfs.stat(file)).size, 8);

  let vfsClosed = false;
  const closing = s.vfs.close().then(() => (vfsClosed = true));
  for (let i = 0; i < 50 && s.pds.calls.upload !== 1; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(s.pds.calls.upload, 1, 'the upload read the file by path meanwhile');
  for (let i = 0; i < 20; i++) await turn();
  assert.equal(vfsClosed, false, "the VFS's close waits for the staging file's");
  closes.release();
  await closing;
  assert.equal(closes.finished >= 1, true);
  await s.close();
});
