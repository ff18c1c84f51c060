// Starts the real local PDS server on port 0 and a pdsfs app on it, with temp cache dirs.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppOptions } from '../../src/app-options.js';
import { type App, createApp } from '../../src/app.js';
import type { DevAccount, Emulator, EmulatorOptions } from '../../src/emulator/index.js';
import type { Logger } from '../../src/shared/logger.js';
import type { ForegroundActivity } from '../../src/vfs/foreground.js';
import type { Vfs } from '../../src/vfs/types.js';
import { defaultAppOptions } from './app-options.js';
import { startEmulator } from './emulator.js';

export interface StartedApp {
  app: App;
  vfs: App['vfs'];
  admin: App['admin'];
  emu: Emulator;
  account: DevAccount;
  endpoint: string;
  cacheDir: string;
  /** Restart the app on the same cache dir and emulator (e.g. after a simulated crash). */
  restart(overrides?: Partial<AppOptions>): Promise<App>;
  close(): Promise<void>;
}

export async function startApp(overrides: Partial<AppOptions> = {}, emulator: Partial<EmulatorOptions> = {}, deps: { logger?: Logger; foreground?: ForegroundActivity } = {}): Promise<StartedApp> {
  const started = await startEmulator(emulator);
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-cache-'));
  const options = (o: Partial<AppOptions>) => ({ ...defaultAppOptions(started.endpoint, started.account.access_token, cacheDir), ...overrides, ...o });
  let app = await createApp(options({}), deps);
  const result: StartedApp = {
    app,
    vfs: app.vfs,
    admin: app.admin,
    emu: started.emu,
    account: started.account,
    endpoint: started.endpoint,
    cacheDir,
    restart: async (o = {}) => {
      await app.close().catch(() => undefined);
      app = await createApp(options(o), deps);
      result.app = app;
      result.vfs = app.vfs;
      result.admin = app.admin;
      return app;
    },
    close: async () => {
      await app.close().catch(() => undefined);
      await started.close();
      await fs.rm(cacheDir, { recursive: true, force: true });
    },
  };
  return result;
}

/** Writes a whole file through the Vfs (open, write in chunks, release). */
export async function writeFile(vfs: Vfs, p: string, data: Buffer, chunk = 256 * 1024): Promise<void> {
  const h = await vfs.open(p, { read: false, write: true, create: true, truncate: true });
  try {
    for (let at = 0; at < data.length; at += chunk) {
      const part = data.subarray(at, Math.min(at + chunk, data.length));
      await h.write(part, at, part.length);
    }
  } finally {
    await h.release();
  }
}

/** Reads a whole file through the Vfs. */
export async function readFile(vfs: Vfs, p: string, chunk = 256 * 1024): Promise<Buffer> {
  const h = await vfs.open(p, { read: true, write: false });
  const parts: Buffer[] = [];
  try {
    for (let at = 0; ; ) {
      const buf = Buffer.alloc(chunk);
      const n = await h.read(buf, at, chunk);
      if (n === 0) break;
      parts.push(buf.subarray(0, n));
      at += n;
    }
  } finally {
    await h.release();
  }
  return Buffer.concat(parts);
}

/** PDS stops answering, and the app knows it: new folders get local ids, changes wait in the op log. */
export function goOffline(s: StartedApp): void {
  s.emu.setFaults({ silent: 1 });
  s.app.reachability.unreachable('ECONNREFUSED');
}

/** PDS answers again, and the app knows it. */
export function goOnline(s: StartedApp): void {
  s.emu.setFaults({ silent: 0 });
  s.app.reachability.reachable();
}
