// One local PDS server plus a pdsfs mount of its drive (at the mount's root, via --drive), with temp
// dirs, for a FUSE test file. remount() restarts the mount process, optionally on a fresh cache, so
// tests can tell what was uploaded from what is only cached locally.
import fs from 'node:fs/promises';
import type { ScenarioOps } from '../contract/vfs-scenarios.js';
import path from 'node:path';
import { controlRequest } from '../../src/control/client.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import type { DaemonStatus } from '../../src/control/status-report.js';
import type { FuseRequestCounts } from '../../src/core/fuse-request-counts.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';
import { startEmulator } from '../helpers/emulator.js';
import { type MountProcess, type MountSource, startMount, stopAll, tempDir } from './harness.js';

export interface FuseFixture {
  readonly mnt: string;
  readonly source: MountSource;
  readonly driveId: string;
  /** The local server, for its stats and faults. */
  readonly emu: Emulator;
  mount: MountProcess;
  /** Stops the current mount (draining uploads) and starts another: extra args, and the whole namespace unless drive. */
  remount(opts?: { freshCache?: boolean; args?: string[]; wholeNamespace?: boolean }): Promise<MountProcess>;
  close(): Promise<void>;
}

/** The FUSE requests the current mount counted (reaching JS, answered in the binding), from its status. */
export async function fuseRequests(fx: FuseFixture): Promise<FuseRequestCounts> {
  const { body } = await controlRequest<DaemonStatus>(controlSocketPath(fx.source.cacheDir, fx.mount.child.pid), 'GET', '/status');
  return body.fuse as FuseRequestCounts;
}

/** Resolves once the current mount has nothing left to upload (asked over its control socket, which is no FUSE request). */
export async function uploaded(fx: FuseFixture): Promise<void> {
  for (;;) {
    const { body } = await controlRequest<DaemonStatus>(controlSocketPath(fx.source.cacheDir, fx.mount.child.pid), 'GET', '/status');
    if (body.uploads.pendingFiles === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startFixture(args: string[] = [], emulator: Partial<EmulatorOptions> = {}): Promise<FuseFixture> {
  const started = await startEmulator(emulator);
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
    emu: started.emu,
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

/** The shared scenario table's operations as plain node:fs calls under `root` on a mount. */
export function nodeFsScenarioOps(root: string): ScenarioOps {
  return {
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
}
