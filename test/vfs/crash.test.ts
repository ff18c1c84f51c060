// Nothing lost: files whose close returned survive a kill -9 of the daemon and are uploaded after restart.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createApp } from '../../src/app.js';
import { defaultAppOptions } from '../helpers/app-options.js';
import { tsNodeArgs } from '../helpers/cli.js';
import { pds, startEmulator } from '../helpers/emulator.js';

type Started = Awaited<ReturnType<typeof startEmulator>>;

/** A local PDS server and a cache dir, both removed after the test. */
async function setUp(): Promise<{ emu: Started; cacheDir: string }> {
  const emu = await startEmulator();
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-crash-'));
  after(async () => {
    await emu.close();
    await fs.rm(cacheDir, { recursive: true, force: true });
  });
  return { emu, cacheDir };
}

/** Runs a fixture (a pdsfs app writing through its Vfs), kills it with SIGKILL once it has committed. */
async function killAfterCommit(emu: Started, cacheDir: string, fixture: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, tsNodeArgs(path.join(import.meta.dirname, 'fixtures', fixture), emu.endpoint, emu.account.access_token, cacheDir, ...args), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => b.toString().includes('committed') && resolve());
    child.on('exit', (code) => reject(new Error(`${fixture} exited early (${code})`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal(emu.emu.stats.requests['/v2/file/create'] ?? 0, 0, 'nothing was uploaded before the crash');
}

test('committed writes survive kill -9 and are uploaded after restart', async () => {
  const { emu, cacheDir } = await setUp();
  const size = 3 * 1024 * 1024 + 7;
  await killAfterCommit(emu, cacheDir, 'crash-writer.ts', ['3', String(size)]);
  const stagingDirs = (await fs.readdir(cacheDir)).map((d) => path.join(cacheDir, d, 'staging'));
  const stagingDir = (await Promise.all(stagingDirs.map((d) => fs.access(d).then(() => d, () => undefined)))).find(Boolean)!;
  const left = await fs.readdir(stagingDir);
  assert.ok(left.length > 3, `the killed daemon left staging files made ahead beside the three written (${left.length})`);

  const app = await createApp(defaultAppOptions(emu.endpoint, emu.account.access_token, cacheDir));
  await app.vfs.drain();
  await app.close();
  assert.deepEqual(await fs.readdir(stagingDir), [], 'what no upload referred to was removed at start-up, the rest once uploaded');
  const list = await pds(emu.endpoint, emu.account.access_token, '/v2/file/list', { drive_id: emu.account.drive_id, parent_file_id: 'root', limit: 100, fields: '*' });
  const items = (list.body as { items: { name: string; size: number; content_hash: string }[] }).items;
  for (let i = 0; i < 3; i++) {
    const f = items.find((x) => x.name === `crash-${i}.bin`);
    assert.ok(f, `crash-${i}.bin uploaded`);
    assert.equal(f.size, size);
    const expected = createHash('sha1').update(Buffer.alloc(size, i + 1)).digest('hex').toUpperCase();
    assert.equal(f.content_hash, expected);
  }
});

test('a committed patch of an existing file survives kill -9 and is completed from the original after restart', async () => {
  const { emu, cacheDir } = await setUp();
  const original = Buffer.alloc(4 * 1024 * 1024 + 1, 7);
  const first = await createApp(defaultAppOptions(emu.endpoint, emu.account.access_token, cacheDir));
  const root = `/drives/${first.volumes[0]!.dirName}`;
  const w = await first.vfs.open(`${root}/big.bin`, { read: false, write: true, create: true, truncate: true });
  await w.write(original, 0, original.length);
  await w.release();
  await first.close(); // drains: big.bin is on the server
  emu.emu.resetStats();

  const at = 3 * 1024 * 1024 - 2;
  await killAfterCommit(emu, cacheDir, 'crash-patcher.ts', ['big.bin', String(at), 'PATCH']);

  const app = await createApp(defaultAppOptions(emu.endpoint, emu.account.access_token, cacheDir));
  await app.vfs.drain();
  await app.close();
  const got = await pds(emu.endpoint, emu.account.access_token, '/v2/file/get_by_path', { drive_id: emu.account.drive_id, file_path: '/big.bin' });
  const expected = Buffer.from(original);
  expected.write('PATCH', at);
  assert.equal(got.body.size, expected.length);
  assert.equal(got.body.content_hash, createHash('sha1').update(expected).digest('hex').toUpperCase());
});
