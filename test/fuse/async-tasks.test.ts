// The shared VFS scenario table, rm -r and a restore out of trash/, through a FUSE mount of a local
// server that answers every move, trash, delete and restore with an async task applied a little later.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defineScenarioTests } from '../contract/vfs-scenarios.js';
import { type FuseFixture, nodeFsScenarioOps, startFixture } from './fixture.js';
import { fuseUnavailable } from './harness.js';

const skip = fuseUnavailable();

describe('FUSE mount against async moves, trashes, deletes and restores', { skip }, () => {
  let fx: FuseFixture;
  before(async () => {
    fx = await startFixture(['--show-views'], { faults: { asyncRate: 1, asyncDelayMs: 100 } });
    await fs.mkdir(`${fx.mnt}/scenarios`);
  });
  after(() => fx?.close());

  defineScenarioTests('FUSE (node:fs), async server', async () => ({ ops: nodeFsScenarioOps(`${fx.mnt}/scenarios`), close: async () => {} }));

  test('rm -r of a tree, and a folder moved out of trash/ comes back; every change went through a task pdsfs waited for', async () => {
    const tasksBefore = fx.emu.stats.asyncTasks;
    const tree = `${fx.mnt}/tree`;
    await fs.mkdir(`${tree}/sub`, { recursive: true });
    await fs.writeFile(`${tree}/sub/a.txt`, 'a');
    await fs.writeFile(`${tree}/b.txt`, 'b');
    await fs.rm(tree, { recursive: true });
    assert.equal((await fs.readdir(fx.mnt)).includes('tree'), false);

    await fs.mkdir(`${fx.mnt}/kept`);
    await fs.rmdir(`${fx.mnt}/kept`);
    const [drive] = await fs.readdir(`${fx.mnt}/trash`);
    assert.ok(drive);
    assert.ok((await fs.readdir(`${fx.mnt}/trash/${drive}`)).includes('kept'));
    await fs.rename(path.join(fx.mnt, 'trash', drive, 'kept'), `${fx.mnt}/back`);
    assert.ok((await fs.stat(`${fx.mnt}/back`)).isDirectory());
    assert.equal((await fs.readdir(fx.mnt)).includes('kept'), false);

    const stats = fx.emu.stats;
    assert.ok(stats.asyncTasks - tasksBefore >= 3, `tasks: ${stats.asyncTasks - tasksBefore}`);
    assert.ok((stats.requests['/v2/async_task/get'] ?? 0) >= stats.asyncTasks, 'every task was polled');
  });
});
