// Test helpers: a local PDS server on port 0 over a temp data dir, and a tiny POST-JSON client.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Emulator, type DevAccount, type EmulatorOptions } from '../../src/emulator/index.js';

export interface StartedEmulator {
  emu: Emulator;
  account: DevAccount;
  endpoint: string;
  dataDir: string;
  /** Stops the server; removes the data dir when it was a temp dir made here. */
  close(): Promise<void>;
}

export async function startEmulator(opts: Partial<EmulatorOptions> = {}): Promise<StartedEmulator> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-emu-')));
  const emu = await Emulator.start({ ...opts, dataDir, port: opts.port ?? 0 });
  let closed = false;
  return {
    emu,
    account: emu.devAccount(),
    endpoint: emu.endpoint,
    dataDir,
    async close() {
      if (closed) return;
      closed = true;
      await emu.close();
      if (ownDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PdsAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * POSTs JSON to the emulator. `path` is '/v2/file/list' or just 'file/list'; `token` may be '' for
 * anonymous calls. The body is parsed as JSON when it is JSON, else returned as text ('' if empty).
 */
export async function pds<T = any>(endpoint: string, token: string, apiPath: string, body: unknown, headers: Record<string, string> = {}): Promise<PdsAnswer<T>> {
  const url = endpoint + (apiPath.startsWith('/') ? apiPath : `/v2/${apiPath}`);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/**
 * Runs `act` while the server's answers crawl (`bytesPerSec` per connection) and returns once the
 * server has done one more `apiPath` request: its work is done and its answer is still on its way
 * (its pace is fixed when it starts), while the crawl is lifted for everything after it. So a test
 * can act in the moment a client has not heard the answer. `act` starts work and keeps its promise.
 */
export async function whileAnswerOnItsWay(emu: Emulator, apiPath: string, act: () => void, bytesPerSec: number): Promise<void> {
  const handled = () => emu.stats.handled[apiPath] ?? 0;
  const before = handled();
  emu.setFaults({ netRatePerConnection: bytesPerSec });
  try {
    act();
    while (handled() === before) await new Promise((r) => setTimeout(r, 5));
  } finally {
    emu.setFaults({ netRatePerConnection: 0 });
  }
  if (emu.stats.inFlight[apiPath] !== 1) throw new Error(`the answer to ${apiPath} arrived before the test could act`);
}
