// The pdsfs command starts without V8's compilers above its interpreter (bin/pdsfs's first line) and
// turns them on once started (src/cli/compilers.ts). Counted with V8's own trace of the functions it
// optimizes (--trace-opt, on stdout): none while starting, some once a daemon serves requests.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { pdsfsArgs, tsNodeArgs } from '../helpers/cli.js';

const run = promisify(execFile);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-compilers-'));
after(() => fsp.rm(work, { recursive: true, force: true }));

const START_UP_FLAGS = ['--no-sparkplug', '--no-turbofan'];
const optimized = (trace: string) => trace.split('\n').filter((l) => l.startsWith('[completed optimizing')).length;
const env = { PATH: process.env.PATH ?? '', HOME: work, NODE_OPTIONS: '' };

test('the pdsfs command optimizes nothing while it starts; node without its flags does', async () => {
  const args = pdsfsArgs('--version');
  assert.ok(START_UP_FLAGS.every((f) => args.includes(f)), `bin/pdsfs's flags: ${args.join(' ')}`);
  const held = await run(process.execPath, ['--trace-opt', ...args], { env });
  assert.equal(optimized(held.stdout), 0, held.stdout);
  const plain = await run(process.execPath, ['--trace-opt', ...args.filter((a) => !START_UP_FLAGS.includes(a))], { env });
  assert.ok(optimized(plain.stdout) > 0, 'the trace shows what start-up optimizes by default');
});

test('startOptimizing turns the compilers on for functions already hot', async () => {
  const compilers = path.resolve(import.meta.dirname, '../../src/cli/compilers.ts');
  const script = `
    const { startOptimizing } = await import(${JSON.stringify(compilers)});
    function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }
    for (let i = 0; i < 2000; i++) hot(1000);
    console.log('--- on');
    startOptimizing();
    await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 2000; i++) hot(1000);
  `;
  const { stdout } = await run(process.execPath, [...START_UP_FLAGS, '--trace-opt', ...tsNodeArgs('--input-type=module', '-e', script)], { env });
  const [before, afterOn] = stdout.split('--- on');
  assert.equal(optimized(before!), 0, before);
  assert.ok(optimized(afterOn!) > 0, afterOn);
});

test('pdsfs serve optimizes nothing until it serves, then what its requests run', { timeout: 120_000 }, async () => {
  const args = pdsfsArgs('serve', '--port', '0', '--no-auth', '--data-dir', path.join(work, 'data'), '--cache-dir', path.join(work, 'cache'), '--log-level', 'warn');
  const child = spawn(process.execPath, ['--trace-opt', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`serve exited (${code})`)));
      child.stdout.on('data', () => {
        const found = /WebDAV server: (\S+)/.exec(out)?.[1];
        if (found) resolve(found);
      });
    });
    assert.equal(optimized(out), 0, 'nothing optimized before the server is up');
    const agent = new http.Agent({ keepAlive: true });
    for (let i = 0; i < 5000 && optimized(out) === 0; i++) {
      await new Promise<void>((resolve, reject) => {
        http.request(url, { method: 'PROPFIND', headers: { depth: '1' }, agent }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
      });
    }
    agent.destroy();
    assert.ok(optimized(out) > 0, 'requests get their hot functions optimized');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
