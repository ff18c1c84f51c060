// A pdsfs app on the real local PDS server with a recording logger and a control server on a temp
// socket, plus the CLI commands of this area run in a child process.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppOptions } from '../../src/app-options.js';
import { type App, createApp } from '../../src/app.js';
import { controlRequest } from '../../src/control/client.js';
import { createRecordingLogger } from '../../src/control/log-events.js';
import { type ControlServer, startControl } from '../../src/control/server.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import type { DaemonStatus } from '../../src/control/status-report.js';
import type { Emulator } from '../../src/emulator/index.js';
import { defaultAppOptions } from '../helpers/app-options.js';
import { pdsfsArgs } from '../helpers/cli.js';
import { startEmulator, type StartedEmulator } from '../helpers/emulator.js';

export interface ControlledApp {
  app: App;
  emu: Emulator;
  /** Namespace path of the dev account's first drive. */
  drive: string;
  cacheDir: string;
  socketPath: string;
  control: ControlServer;
  status(): Promise<DaemonStatus>;
  /** A request on the control socket. */
  request(method: 'GET' | 'POST', urlPath: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** `overrides` may depend on the server (credentials of a test's own). */
export async function startControlledApp(overrides: Partial<AppOptions> | ((emu: StartedEmulator) => Promise<Partial<AppOptions>>), statusPage = false): Promise<ControlledApp> {
  const emu = await startEmulator();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-control-'));
  const cacheDir = path.join(root, 'cache');
  const logger = createRecordingLogger({ level: 'info', file: path.join(root, 'pdsfs.log') });
  const own = typeof overrides === 'function' ? await overrides(emu) : overrides;
  const app = await createApp({ ...defaultAppOptions(emu.endpoint, emu.account.access_token, cacheDir), drive: undefined, ...own }, { logger });
  const socketPath = controlSocketPath(cacheDir);
  const control = await startControl(app, {
    socketPath,
    logger,
    role: 'test daemon',
    sampleIntervalMs: 250,
    ...(statusPage ? { statusPage: { host: '127.0.0.1' as const, port: 0 } } : {}),
  });
  const first = app.volumes.find((v) => v.kind === 'drive')!;
  return {
    app,
    emu: emu.emu,
    drive: `/drives/${first.dirName}`,
    cacheDir,
    socketPath,
    control,
    request: (method, urlPath, body) => controlRequest(socketPath, method, urlPath, body),
    status: async () => (await controlRequest<DaemonStatus>(socketPath, 'GET', '/status')).body,
    close: async () => {
      await control.close();
      await app.close().catch(() => undefined);
      await emu.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (the condition is awaited, not timed). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pdsfs status|cache ...` in a child process with no PDSFS_* variables. */
export function pdsfs(args: string[]): Promise<CliRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PDSFS_')));
  return new Promise((resolve) => {
    execFile(process.execPath, pdsfsArgs(...args), { env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
