// The shared VFS scenario table, through a real FUSE mount and plain node:fs calls.
import fs from 'node:fs/promises';
import { describe } from 'node:test';
import { defineScenarioTests } from '../contract/vfs-scenarios.js';
import { nodeFsScenarioOps, startFixture } from './fixture.js';
import { fuseUnavailable } from './harness.js';

const skip = fuseUnavailable();

describe('FUSE mount', { skip }, () => {
  defineScenarioTests('FUSE (node:fs)', async () => {
    const fx = await startFixture();
    const root = `${fx.mnt}/scenarios`;
    await fs.mkdir(root);
    const ops = nodeFsScenarioOps(root);
    return { ops, close: () => fx.close() };
  });
});
