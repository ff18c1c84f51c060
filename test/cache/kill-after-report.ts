// Runs a writer fixture (test/cache/fixtures) on a cache file, reads the one JSON line it prints
// once its changes returned, then kills it with SIGKILL: what a crash right after the changes leaves.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { tsNodeArgs } from '../helpers/cli.js';

export async function killAfterReport<T>(t: TestContext, fixture: string, file: string): Promise<T> {
  const script = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
  const child = spawn(process.execPath, tsNodeArgs(script, file), { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8');
  while (!out.includes('\n')) {
    const [chunk] = (await once(child.stdout, 'data')) as [string];
    out += chunk;
  }
  child.kill('SIGKILL');
  const [, signal] = await once(child, 'exit');
  assert.equal(signal, 'SIGKILL');
  return JSON.parse(out) as T;
}
