// Shared setup of the PDS client tests: a real local PDS server on port 0, a client on it, a temp
// dir for local files, everything closed after the test file.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { startEmulator } from '../helpers/emulator.js';
import { connectPds, type ConnectOptions } from '../../src/pds/connect.js';
import type { PdsClient } from '../../src/pds/client.js';

export type Started = Awaited<ReturnType<typeof startEmulator>>;
export type EmulatorOpts = Parameters<typeof startEmulator>[0];

export interface PdsFixture extends Started {
  client: PdsClient;
  tmp: string;
  driveId: string;
  /** Another client on the same server (closed after the file too). */
  connect(opts?: Partial<ConnectOptions>): PdsClient;
}

/**
 * Fast retries for tests (faults are injected; waiting seconds would only slow the suite), and
 * enough of them that faults at random rates of 0.3–0.4 a request almost never exhaust them: 0.4^16
 * is about 4e-7 a request, where 0.4^8 failed a run now and then.
 */
export const FAST_RETRY = { maxAttempts: 16, baseDelayMs: 5, maxDelayMs: 50 };

export async function startPds(emuOpts: EmulatorOpts = {}, clientOpts: Partial<ConnectOptions> = {}): Promise<PdsFixture> {
  const started = await startEmulator(emuOpts);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-pds-'));
  const clients: PdsClient[] = [];
  const connect = (opts: Partial<ConnectOptions> = {}): PdsClient => {
    const c = connectPds({ endpoint: started.endpoint, accessToken: started.account.access_token, retry: FAST_RETRY, upload: { minPartSize: 64 * 1024 }, ...opts });
    clients.push(c);
    return c;
  };
  const client = connect(clientOpts);
  after(async () => {
    for (const c of clients) c.close();
    await started.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });
  return { ...started, client, tmp, driveId: started.account.drive_id, connect };
}

export function sha1(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex').toUpperCase();
}

/** Writes `size` random bytes to a new file in dir (streamed) and returns its path and SHA-1. */
export async function randomFile(dir: string, size: number, name = `f-${randomBytes(4).toString('hex')}`): Promise<{ file: string; sha1: string }> {
  const file = path.join(dir, name);
  const hash = createHash('sha1');
  const out = createWriteStream(file);
  for (let done = 0; done < size; ) {
    const chunk = randomBytes(Math.min(1024 * 1024, size - done));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    done += chunk.length;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { file, sha1: hash.digest('hex').toUpperCase() };
}

/** SHA-1 and length of everything a stream yields. */
export async function digest(stream: AsyncIterable<Buffer>): Promise<{ sha1: string; size: number }> {
  const hash = createHash('sha1');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha1: hash.digest('hex').toUpperCase(), size };
}

export async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}
