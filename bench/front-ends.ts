// Front-end processes for the scale benchmarks (listing.ts, million.ts): `pdsfs serve` in a child
// process of its own (so its peak RSS is its VmHWM), a timed PROPFIND Depth 1 by curl, and the
// plumbing around them.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
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

export async function peakRssOf(pid: number | undefined): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

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

export async function pdsfsServe(emu: { endpoint: string; token: string; driveId: string }, cacheDir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(REPO, 'bin/pdsfs'), 'serve', '--endpoint', emu.endpoint, '--cache-dir', cacheDir, '--drive', emu.driveId, '--port', String(port), '--no-auth', '--poll-interval', '3600', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PDSFS_ACCESS_TOKEN: emu.token },
  });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`pdsfs serve exited (${code})`)));
  });
  const url = /(http:\S+)/.exec(line)?.[1];
  if (!url) throw new Error(`pdsfs serve said: ${line}`);
  return { url, child };
}

