// Front-end processes and file I/O for the benchmarks (listing.ts, million.ts, net.ts, fuse.ts,
// webdav.ts): `pdsfs serve` in a child process of its own (so its peak RSS is its VmHWM), a timed
// PROPFIND Depth 1 by curl, plain file I/O through a path (a mount, or a source file for a client
// to send), and the plumbing around them.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const REPO = path.resolve(import.meta.dirname, '..');
const PROPS = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/></D:prop></D:propfind>';

export const seconds = (t0: number) => (performance.now() - t0) / 1000;

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Peak resident memory of a running process (VmHWM), MiB. */
export async function peakRssOf(pid: number | undefined): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** SIGTERM, and waits for the exit (pdsfs drains its uploads first). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Timed PROPFIND Depth 1 by curl (its own process, as a real client); checks the entry count. */
export async function propfind(url: string, entries: number): Promise<number> {
  const t0 = performance.now();
  const { stdout } = await run('curl', ['-sS', '-f', '-X', 'PROPFIND', '-H', 'Depth: 1', '-H', 'Content-Type: application/xml', '--data', PROPS, url], { maxBuffer: 1024 * MiB });
  const s = seconds(t0);
  const responses = stdout.split(/<[A-Za-z]*:?response>/).length - 1;
  if (responses !== entries + 1) throw new Error(`PROPFIND ${url}: ${responses} responses, expected ${entries + 1}`);
  return s;
}

/** `pdsfs serve` (the compiled command) on one drive of a local PDS server, without a login; `args` add or override options, `env` adds to its environment. */
export async function pdsfsServe(emu: { endpoint: string; token: string; driveId: string }, cacheDir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const defaults = [['--poll-interval', '3600'], ['--log-level', 'warn']].filter(([option]) => !args.includes(option!)).flat();
  const child = spawn(path.join(REPO, 'bin/pdsfs'), ['serve', '--endpoint', emu.endpoint, '--cache-dir', cacheDir, '--drive', emu.driveId, '--port', String(port), '--no-auth', ...defaults, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PDSFS_ACCESS_TOKEN: emu.token, ...env },
  });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`pdsfs serve exited (${code})`)));
  });
  const url = /(http:\S+)/.exec(line)?.[1];
  if (!url) throw new Error(`pdsfs serve said: ${line}`);
  return { url, child };
}

/** Reads a file to its end, 1 MiB at a time; seconds. */
export async function readThrough(file: string): Promise<number> {
  const t0 = performance.now();
  for await (const _chunk of createReadStream(file, { highWaterMark: MiB }));
  return seconds(t0);
}

/** Writes `sizeMiB` chunks of 1 MiB to a file; seconds until it is closed. */
export async function writeThrough(file: string, sizeMiB: number, chunk: (i: number) => Buffer): Promise<number> {
  const t0 = performance.now();
  const out = createWriteStream(file, { highWaterMark: MiB });
  for (let i = 0; i < sizeMiB; i++) if (!out.write(chunk(i))) await once(out, 'drain');
  out.end();
  await once(out, 'close');
  return seconds(t0);
}
