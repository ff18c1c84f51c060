// The shared VFS scenario table, through a real FUSE mount and plain node:fs calls.
import fs from 'node:fs/promises';
import { describe } from 'node:test';
import { defineScenarioTests, type ScenarioOps } from '../contract/vfs-scenarios.js';
import { startFixture } from './fixture.js';
import { fuseUnavailable } from './harness.js';

const skip = fuseUnavailable();

describe('FUSE mount', { skip }, () => {
  defineScenarioTests('FUSE (node:fs)', async () => {
    const fx = await startFixture();
    const root = `${fx.mnt}/scenarios`;
    await fs.mkdir(root);
    const ops: ScenarioOps = {
      root,
      write: (p, data) => fs.writeFile(p, data),
      read: (p) => fs.readFile(p),
      mkdir: (p) => fs.mkdir(p),
      rmdir: (p) => fs.rmdir(p),
      unlink: (p) => fs.unlink(p),
      rename: (from, to) => fs.rename(from, to),
      async stat(p) {
        const st = await fs.stat(p);
        return { kind: st.isDirectory() ? 'dir' : 'file', size: st.size, mtime: st.mtimeMs };
      },
      readdir: async (p) => (await fs.readdir(p)).sort(),
      errorCode: (err) => (err as NodeJS.ErrnoException | undefined)?.code,
      capabilities: { rmdirNonEmptyFails: true },
    };
    return { ops, close: () => fx.close() };
  });
});
