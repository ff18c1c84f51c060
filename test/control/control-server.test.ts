// The control socket of a running app: GET /status with pending and failed uploads, cache figures,
// last errors and throughput; POST /cache/clear refused while uploads are pending unless forced;
// and `pdsfs status` / `pdsfs cache clear` finding the daemon from a child process.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { controlSocketDir } from '../../src/control/socket-path.js';
import type { DaemonStatus } from '../../src/control/status-report.js';
import { bytes } from '../contract/vfs-scenarios.js';
import { readFile, writeFile } from '../helpers/app.js';
import { pds } from '../helpers/emulator.js';
import { type ControlledApp, eventually, pdsfs, startControlledApp } from './fixture.js';

describe('control server', () => {
  let s: ControlledApp;
  const readBack = bytes(3 * 1024 * 1024 + 17, 7);
  const waiting = { 'report <draft>.txt': bytes(1500, 8), 'video.bin': bytes(2 * 1024 * 1024, 9) };

  before(async () => {
    // An hour of write-back: what is written stays pending until drain() or close().
    s = await startControlledApp({ writeBackMs: 3_600_000 });
    const { app, drive } = s;
    await writeFile(app.vfs, `${drive}/read-me.bin`, readBack);
    // An upload that can never succeed: its folder is deleted on the server before it runs.
    await app.vfs.mkdir(`${drive}/vanishing`);
    const h = await app.vfs.open(`${drive}/vanishing/orphan.txt`, { read: true, write: true, create: true });
    await h.write(Buffer.from('precious'), 0, 8);
    await h.flush();
    const account = s.emu.devAccount();
    const dir = await pds(s.emu.endpoint, account.access_token, '/v2/file/get_by_path', { drive_id: account.drive_id, file_path: '/vanishing' });
    await pds(s.emu.endpoint, account.access_token, '/v2/file/delete', { drive_id: account.drive_id, file_id: dir.body.file_id });
    await h.release();
    await app.vfs.drain();
    assert.deepEqual(await readFile(app.vfs, `${drive}/read-me.bin`), readBack);
    for (const [name, data] of Object.entries(waiting)) await writeFile(app.vfs, `${drive}/${name}`, data);
  });
  after(() => s?.close());

  test('GET /status shows volumes, pending and failed uploads, cache figures and the last errors', async () => {
    const st = await s.status();
    assert.equal(st.pid, process.pid);
    assert.equal(st.role, 'test daemon');
    assert.ok(st.volumes.some((v) => `/drives/${v.name}` === s.drive && v.kind === 'drive' && !v.readOnly));
    assert.equal(st.uploads.pendingFiles, 2);
    assert.equal(st.uploads.pendingBytes, 1500 + 2 * 1024 * 1024);
    assert.deepEqual(
      st.uploads.pending.map((u) => [u.name, u.size, u.state]).sort(),
      [['report <draft>.txt', 1500, 'dirty'], ['video.bin', 2 * 1024 * 1024, 'dirty']],
    );
    assert.equal(st.uploads.failedFiles, 1);
    const [failed] = st.uploads.failed;
    assert.equal(failed?.name, 'orphan.txt');
    assert.equal(failed?.state, 'failed');
    assert.match(failed?.lastError ?? '', /ENOENT/);
    assert.ok(st.uploads.sentBytes >= readBack.length, 'the uploaded file counts as sent');
    assert.ok(st.cache.memBytes >= readBack.length, 'the file read back is in the memory tier');
    assert.equal(st.cache.fetchedBytes, readBack.length);
    assert.ok(st.cache.hitRatio !== null && st.cache.hitRatio >= 0 && st.cache.hitRatio <= 1);
    assert.ok(st.listCalls > 0);
    const failure = st.recentErrors.find((e) => e.msg.includes('upload failed for good'));
    assert.ok(failure, `the failure is among the last errors: ${JSON.stringify(st.recentErrors)}`);
    assert.equal(failure.level, 'error');
    assert.match(failure.detail ?? '', /orphan\.txt/);
    assert.ok(!JSON.stringify(st).includes(s.emu.devAccount().access_token), 'no token in the status');
  });

  test('throughput samples add up to the bytes downloaded and uploaded', async () => {
    const st = await eventually(async () => {
      const now = await s.status();
      const sum = (k: 'downloadedBytes' | 'uploadedBytes') => now.throughput.samples.reduce((n, x) => n + x[k], 0);
      return sum('downloadedBytes') === now.cache.fetchedBytes && sum('uploadedBytes') === now.uploads.sentBytes && now;
    }, 'samples covering every byte');
    assert.equal(st.throughput.intervalMs, 250);
    assert.ok(st.throughput.samples.every((x, i, all) => i === 0 || x.at >= all[i - 1]!.at));
  });

  test('pdsfs status finds the daemon through the cache dir, as JSON and as text', async () => {
    const json = await pdsfs(['status', '--json', '--cache-dir', s.cacheDir]);
    assert.equal(json.code, 0, json.stderr);
    const { daemons } = JSON.parse(json.stdout) as { daemons: { socket: string; status: DaemonStatus }[] };
    assert.equal(daemons.length, 1);
    assert.equal(daemons[0]!.socket, s.socketPath);
    assert.equal(daemons[0]!.status.uploads.pendingFiles, 2);
    const text = await pdsfs(['status', '--cache-dir', s.cacheDir]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /test daemon \(pid \d+, up /);
    assert.match(text.stdout, /uploads: 2 pending \(2\.0 MiB\), 1 failed/);
    assert.match(text.stdout, /report <draft>\.txt \(in .+\): waiting, 1\.5 KiB/);
    assert.match(text.stdout, /orphan\.txt \(in .+\): failed after 1 attempt\n\s+last error: ENOENT/);
    assert.match(text.stdout, /error: upload failed for good/);
  });

  test('the socket is private to its user', async () => {
    assert.equal((await fs.stat(s.socketPath)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(controlSocketDir(s.cacheDir))).mode & 0o777, 0o700);
  });

  test('cache clear is refused while uploads are pending, done with force, and never touches them', async () => {
    const refused = await s.request('POST', '/cache/clear', {});
    assert.equal(refused.status, 409);
    assert.match(refused.body.error, /2 uploads are pending/);
    assert.ok((await s.status()).cache.memBytes > 0, 'nothing was cleared');
    const cli = await pdsfs(['cache', 'clear', '--cache-dir', s.cacheDir]);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /not cleared:[\s\S]*2 uploads are pending/);

    await s.app.vfs.stat(`${s.drive}/read-me.bin`);
    await eventually(async () => (await s.status()).cache.diskBytes > 0, 'blocks written to disk');
    const forced = await pdsfs(['cache', 'clear', '--force', '--cache-dir', s.cacheDir]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /cleared \d+(\.\d)? MiB of block cache of test daemon/);
    const st = await s.status();
    assert.equal(st.cache.memBytes, 0);
    assert.equal(st.cache.diskBytes, 0);
    const blockFiles = (await fs.readdir(s.cacheDir, { recursive: true })).filter((f) => f.includes(`${path.sep}blocks${path.sep}`));
    assert.deepEqual(blockFiles, [], 'no block file left on disk');
    assert.equal(st.uploads.pendingFiles, 2, 'pending uploads are kept');
    for (const [name, data] of Object.entries(waiting)) assert.deepEqual(await readFile(s.app.vfs, `${s.drive}/${name}`), data);
    assert.deepEqual(await readFile(s.app.vfs, `${s.drive}/read-me.bin`), readBack, 'read again from the server');
  });

  test('bad requests get 4xx', async () => {
    assert.equal((await s.request('GET', '/nowhere')).status, 404);
    assert.equal((await s.request('POST', '/status')).status, 405);
  });
});
