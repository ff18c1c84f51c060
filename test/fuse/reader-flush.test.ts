// A read-only handle's close is answered in the binding (its fd carries READ_ONLY_FD_BIT,
// handle-table.ts): its flush never reaches JS, while every handle that can write still commits at
// close through JS. Counted through the status the daemon reports, never timed.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { type FuseFixture, fuseRequests, startFixture } from './fixture.js';
import { fuseUnavailable } from './harness.js';

const READS = 5;

describe('flush of read-only handles', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx?.close());

  async function reachedJs(): Promise<Record<string, number>> {
    const { byJs, openInBinding } = await fuseRequests(fx);
    // Read-only opens the binding answered itself (lazy-open.test.ts), counted with those JS answered.
    return { ...byJs, open: (byJs.open ?? 0) + openInBinding };
  }
  const delta = (a: Record<string, number>, b: Record<string, number>, op: string) => (b[op] ?? 0) - (a[op] ?? 0);

  test("a reader's close does not reach JS; a writer's does, and what it wrote reads back after a remount", async () => {
    const f = `${fx.mnt}/read-me.txt`;
    await fs.writeFile(f, 'first');
    const start = await reachedJs();
    for (let i = 0; i < READS; i++) assert.equal(await fs.readFile(f, 'utf8'), 'first');
    // rsync's way of setting a mode: a read-only open, fchmod, close.
    const ro = await fs.open(f, 'r');
    await ro.chmod(0o640);
    await ro.close();
    const read = await reachedJs();
    assert.equal(delta(start, read, 'open'), READS + 1, 'every open answered');
    assert.equal(delta(start, read, 'flush'), 0, 'no read-only flush reached JS');

    await fs.writeFile(f, 'second');
    const rw = await fs.open(f, 'r+');
    await rw.write('S', 0);
    await rw.close();
    const written = await reachedJs();
    assert.equal(delta(read, written, 'flush'), 2, 'the flush of each handle that can write reached JS');

    await fx.remount({ freshCache: true });
    assert.equal(await fs.readFile(f, 'utf8'), 'Second');
    assert.equal((await fs.stat(f)).mode & 0o777, 0o640);
  });
});
