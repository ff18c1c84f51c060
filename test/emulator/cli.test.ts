// `pdsfs emulator`: one JSON line on stdout with --json, flags reach the server, clean exit on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pdsfsArgs } from '../helpers/cli.js';
import { pds } from '../helpers/emulator.js';


interface Running {
  child: ChildProcess;
  firstLine: string;
  stdout: () => string;
  exited: Promise<number | null>;
}

/** Starts the command and waits until stdout holds a full answer (`ready`). */
async function launch(args: string[], ready = (out: string) => out.includes('\n')): Promise<Running> {
  const child = spawn(process.execPath, pdsfsArgs('emulator', ...args), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (ready(out)) resolve(out.slice(0, out.indexOf('\n')));
    });
    void exited.then((code) => reject(new Error(`emulator exited (${code}) before printing: ${err}`)));
  });
  return { child, firstLine, stdout: () => out, exited };
}

describe('pdsfs emulator', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('prints exactly one JSON line with the account and serves it until SIGTERM', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-emu-cli-'));
    dirs.push(dataDir);
    const run = await launch(['--port', '0', '--json', '--data-dir', dataDir, '--fault-admin', '--drive-quota', '1M', '--token-ttl', '90s']);
    children.push(run.child);
    const account = JSON.parse(run.firstLine) as Record<string, string>;
    for (const key of ['endpoint', 'domain_id', 'user_id', 'drive_id', 'client_id', 'access_token', 'refresh_token']) {
      assert.equal(typeof account[key], 'string', key);
      assert.ok(account[key], key);
    }
    assert.match(account.endpoint as string, /^http:\/\/127\.0\.0\.1:\d+$/);
    const drive = await pds(account.endpoint as string, account.access_token as string, 'drive/get', { drive_id: account.drive_id });
    assert.equal(drive.status, 200);
    assert.equal(drive.body.total_size, 1024 * 1024);
    const claims = JSON.parse(Buffer.from((account.access_token as string).split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    assert.ok(claims.exp - claims.iat >= 90 && claims.exp - claims.iat <= 91, `--token-ttl 90s: the token lives ${claims.exp - claims.iat} s`);
    assert.equal((await fetch(`${account.endpoint}/admin/faults`)).status, 200);

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
    assert.equal(run.stdout().trim().split('\n').length, 1, 'nothing else on stdout');
    await fs.access(path.join(dataDir, 'pds.sqlite'));
  });

  it('prints a readable account and applies fault flags', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-emu-cli-'));
    dirs.push(dataDir);
    const run = await launch(['--port', '0', '--data-dir', dataDir, '--fault-429-rate', '1'], (out) => /refresh_token\s+\S+\n/.test(out));
    children.push(run.child);
    const text = run.stdout();
    const endpoint = /endpoint\s+(\S+)/.exec(text)?.[1] ?? '';
    const token = /access_token\s+(\S+)/.exec(text)?.[1] ?? '';
    assert.match(endpoint, /^http:/);
    assert.match(text, /drive_id\s+\d+/);
    assert.equal((await pds(endpoint, token, 'user/get', {})).status, 429);
    assert.equal((await fetch(`${endpoint}/admin/faults`)).status, 404);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0);
  });

  it('applies --net-profile, with --net-rate-per-connection and --fault-latency-ms overriding it', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-emu-cli-'));
    dirs.push(dataDir);
    const run = await launch(['--port', '0', '--json', '--data-dir', dataDir, '--fault-admin', '--net-profile', 'wan', '--net-rate-per-connection', '4M']);
    children.push(run.child);
    const { endpoint } = JSON.parse(run.firstLine) as { endpoint: string };
    const faults = (await (await fetch(`${endpoint}/admin/faults`)).json()) as { latencyMs: number; netRatePerConnection: number };
    assert.equal(faults.latencyMs, 40, 'from the profile');
    assert.equal(faults.netRatePerConnection, 4 * 1024 * 1024, 'the explicit option wins');
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  });
});
