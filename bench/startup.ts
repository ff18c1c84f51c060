// Start-up cost of the installed command: `pdsfs --version` against `node -e 0` (median of 5, run
// alternately in the same run), and the resident memory of an idle `pdsfs serve`, with the
// embedded local PDS server and against a separate one.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, printTable, type Row, startBenchEmulator, writeResults } from './lib.js';

const BIN = path.resolve(import.meta.dirname, '..', 'bin/pdsfs');
const RUNS = 5;
const IDLE_MS = 5000;

/** Wall time (ms) and peak RSS (MiB) of one run, measured by GNU time. */
function timed(args: string[]): { ms: number; rssMiB: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, rssMiB: Number(r.stderr.trim().split('\n').at(-1)) / 1024 };
}

/** RSS of an idle `pdsfs serve` once it has answered its URL and sat still for IDLE_MS. */
async function idleServeRssMiB(extra: string[]): Promise<number> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-serve-'));
  const child = spawn(BIN, ['serve', '--port', '0', '--data-dir', path.join(home, 'data'), '--cache-dir', path.join(home, 'cache'), ...extra], {
    env: { PATH: process.env.PATH, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (l) => l.includes('WebDAV server:') && resolve());
      child.once('exit', (code) => reject(new Error(`pdsfs serve exited (${code})`)));
    });
    await sleep(IDLE_MS);
    const status = await fs.readFile(`/proc/${child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await fs.rm(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const node: number[] = [];
  const version: { ms: number; rssMiB: number }[] = [];
  timed([BIN, '--version']); // warm the disk cache for both
  for (let i = 0; i < RUNS; i++) {
    node.push(timed(['-e', '0']).ms);
    version.push(timed([BIN, '--version']));
  }
  const versionMs = median(version.map((v) => v.ms));
  const nodeMs = median(node);
  const rows: Row[] = [
    { metric: 'pdsfs --version (median of 5)', value: versionMs, unit: 'ms', reference: nodeMs, ratio: versionMs / nodeMs, target: 'ratio <= 3 (reference: node -e 0)' },
    { metric: 'pdsfs --version peak RSS', value: median(version.map((v) => v.rssMiB)), unit: 'MiB' },
    { metric: 'idle pdsfs serve RSS (embedded local PDS server)', value: await idleServeRssMiB([]), unit: 'MiB', target: '< 80' },
  ];
  const emu = await startBenchEmulator();
  try {
    rows.push({ metric: 'idle pdsfs serve RSS (separate PDS server)', value: await idleServeRssMiB(['--endpoint', emu.endpoint, '--access-token', emu.token]), unit: 'MiB', target: '< 80' });
  } finally {
    await emu.close();
  }
  printTable('start-up and idle memory (machine shared with other work)', rows);
  console.log('results:', await writeResults('startup', { rows }));
}

await main();
