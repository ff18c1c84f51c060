// One local PDS server plus a pdsfs mount of its drive (at the mount's root, via --drive), with temp
// dirs, for a FUSE test file. remount() restarts the mount process, optionally on a fresh cache, so
// tests can tell what was uploaded from what is only cached locally.
import fs from 'node:fs/promises';
import path from 'node:path';
import { startEmulator } from '../helpers/emulator.js';
import { type MountProcess, type MountSource, startMount, stopAll, tempDir } from './harness.js';

export interface FuseFixture {
  readonly mnt: string;
  readonly source: MountSource;
  readonly driveId: string;
  mount: MountProcess;
  /** Stops the current mount (draining uploads) and starts another: extra args, and the whole namespace unless drive. */
  remount(opts?: { freshCache?: boolean; args?: string[]; wholeNamespace?: boolean }): Promise<MountProcess>;
  close(): Promise<void>;
}

export async function startFixture(args: string[] = []): Promise<FuseFixture> {
  const started = await startEmulator();
  const dir = await tempDir('fuse');
  const mnt = path.join(dir, 'mnt');
  const source = { endpoint: started.endpoint, accessToken: started.account.access_token, cacheDir: path.join(dir, 'cache') };
  const driveArgs = ['--drive', started.account.drive_id];
  let caches = 0;
  let first: MountProcess;
  try {
    first = await startMount(source, mnt, [...driveArgs, ...args]);
  } catch (err) {
    await started.close();
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  const fixture: FuseFixture = {
    mnt,
    source,
    driveId: started.account.drive_id,
    mount: first,
    async remount(opts = {}) {
      await fixture.mount.stop();
      if (opts.freshCache) source.cacheDir = path.join(dir, `cache-${++caches}`);
      fixture.mount = await startMount(source, mnt, [...(opts.wholeNamespace ? [] : driveArgs), ...(opts.args ?? args)]);
      return fixture.mount;
    },
    async close() {
      await stopAll();
      await started.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
