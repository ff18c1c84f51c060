// The scenario table run directly against the Vfs, over memory drives (the wire adds nothing here:
// the same table runs over FUSE and WebDAV on the local PDS server).
import { VfsError } from '../../src/core/errors.js';
import { defineScenarioTests } from '../contract/vfs-scenarios.js';
import { readFile, writeFile } from '../helpers/app.js';
import { startMemoryApp } from '../helpers/memory-app.js';

defineScenarioTests('the Vfs directly', async () => {
  const s = await startMemoryApp();
  const vfs = s.vfs;
  return {
    close: s.close,
    ops: {
      root: '/drives/' + (await vfs.readdir('/drives'))[0]!.name,
      write: (p, data) => writeFile(vfs, p, data),
      read: (p) => readFile(vfs, p),
      mkdir: async (p) => void (await vfs.mkdir(p)),
      rmdir: async (p) => {
        if ((await vfs.stat(p)).kind !== 'dir') throw new VfsError('ENOTDIR', 'not a directory', p);
        await vfs.remove(p);
      },
      unlink: (p) => vfs.remove(p),
      rename: (a, b) => vfs.rename(a, b),
      stat: (p) => vfs.stat(p),
      readdir: async (p) => (await vfs.readdir(p)).map((n) => n.name).sort(),
      errorCode: (err) => (err instanceof VfsError ? err.code : undefined),
      capabilities: { rmdirNonEmptyFails: true },
    },
  };
});
