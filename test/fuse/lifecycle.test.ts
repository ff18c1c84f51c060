// The mount as a process: read-only mounts, the whole namespace, refusing a busy directory, a stop
// across a release the kernel dropped or a file still being written, and `pdsfs unmount` (after
// which the mount process finishes its uploads and exits 0).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { controlRequest } from '../../src/control/client.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import type { DaemonStatus } from '../../src/control/status-report.js';
import { pdsfsArgs } from '../helpers/cli.js';
import { type FuseFixture, startFixture } from './fixture.js';
import { fuseUnavailable, python3, sleep, startMount, tempDir } from './harness.js';

const run = promisify(execFile);
/** Far more than a stop takes; one that never ends fails the test here instead of at its time limit. */
const STOP_WAIT_MS = 30_000;

/**
 * Writes argv[2] to the file argv[1], maps it, closes its fd, says so and waits to be killed. libc's
 * mmap, not Python's module, which keeps a duplicate of the fd open.
 */
const MAPPED_WRITER = `
import ctypes, mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
data = sys.argv[2].encode()
os.write(fd, data)
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
if libc.mmap(None, len(data), mmap.PROT_READ, mmap.MAP_SHARED, fd, 0) in (None, ctypes.c_void_p(-1).value):
    sys.exit('mmap failed: errno %d' % ctypes.get_errno())
os.close(fd)
sys.stdout.write('ready'); sys.stdout.flush()
sys.stdin.read()
`;

/** Writes argv[2] into the file argv[1] and keeps it open, unflushed, until killed. */
const UNCLOSED_WRITER = `
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, sys.argv[2].encode())
sys.stdout.write('ready'); sys.stdout.flush()
sys.stdin.read()
`;

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

describe('FUSE mount lifecycle', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx?.close());

  test('a non-empty directory is refused', async () => {
    const busy = await tempDir('busy');
    await fs.writeFile(path.join(busy, 'here'), 'x');
    try {
      await assert.rejects(startMount(fx.source, busy), /not empty/);
    } finally {
      await fs.rm(busy, { recursive: true, force: true });
    }
  });

  test('--read-only refuses changes with EROFS and shows read-only modes', async () => {
    await fs.writeFile(`${fx.mnt}/ro-file`, 'x');
    await fx.remount({ args: ['--read-only'] });
    assert.equal(await fs.readFile(`${fx.mnt}/ro-file`, 'utf8'), 'x');
    assert.equal((await fs.stat(`${fx.mnt}/ro-file`)).mode & 0o777, 0o444);
    await assert.rejects(fs.writeFile(`${fx.mnt}/ro-new`, 'x'), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.writeFile(`${fx.mnt}/ro-file`, 'y'), (e) => code(e) === 'EROFS' || code(e) === 'EACCES');
    await assert.rejects(fs.mkdir(`${fx.mnt}/ro-dir`), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.unlink(`${fx.mnt}/ro-file`), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.access(`${fx.mnt}/ro-file`, fs.constants.W_OK), (e) => code(e) === 'EROFS');
    await fs.access(`${fx.mnt}/ro-file`, fs.constants.R_OK);
  });

  /** The daemon's list calls so far, asked over the control socket, which is no FUSE request. */
  const listCalls = async () => (await controlRequest<DaemonStatus>(controlSocketPath(fx.source.cacheDir, fx.mount.child.pid), 'GET', '/status')).body.listCalls;
  const listedAtLeast = async (n: number) => {
    for (let i = 0; i < 500 && (await listCalls()) < n; i++) await new Promise((r) => setTimeout(r, 20));
  };

  test('the root is listed as the mount starts: its first lookups and readdir wait for no list call', async () => {
    await fx.remount({ args: [] });
    await fs.mkdir(`${fx.mnt}/top`);
    await fx.remount({ freshCache: true, args: [] });
    await listedAtLeast(1);
    assert.equal(await listCalls(), 1, 'the root listed before anything looked at the mount');
    assert.equal((await fs.stat(`${fx.mnt}/top`)).isDirectory(), true);
    await assert.rejects(fs.stat(`${fx.mnt}/absent`), (e) => code(e) === 'ENOENT');
    assert.ok((await fs.readdir(fx.mnt)).includes('ro-file'));
    assert.equal(await listCalls(), 1, 'the root listed once, at the start');
  });

  test('without --drive, the drives\' roots are listed as the mount starts (not the share links)', async () => {
    await fx.remount({ wholeNamespace: true, freshCache: true, args: [] });
    const drives = (await fs.readdir(`${fx.mnt}/drives`)).sort();
    assert.ok(drives.length >= 2, 'the development account has a drive and a team drive');
    await listedAtLeast(drives.length);
    assert.equal(await listCalls(), drives.length, 'one list call per drive, before anything looked inside one');
    for (const d of drives) await fs.readdir(`${fx.mnt}/drives/${d}`);
    assert.equal(await listCalls(), drives.length, 'reading the drives asked for no listing');
  });

  test('without --drive the root holds drives/, shares/ and the views', async () => {
    await fx.remount({ wholeNamespace: true, args: [] });
    assert.deepEqual((await fs.readdir(fx.mnt)).sort(), ['drives', 'photos', 'search', 'shares', 'starred', 'trash', 'versions']);
    const drives = await fs.readdir(`${fx.mnt}/drives`);
    assert.ok(drives.length >= 1);
    assert.ok((await fs.readdir(`${fx.mnt}/drives/${drives[0]}`)).includes('ro-file'));
  });

  // After a lazy unmount the kernel queues a file's last RELEASE in the background and tears the
  // connection down as the file's last user lets go: the RELEASE is dropped unless a libfuse thread
  // read it first. Stopping the daemon across that moment makes the drop certain. Before the mount
  // closed what the kernel left open, the writer's handle never closed and the stop hung in its drain.
  test('a file whose release the kernel dropped at the unmount is closed and uploaded, and the process exits 0', async () => {
    const file = path.join(fx.mnt, 'left-open');
    const dropped = /"files":1,"paths":\["\/left-open"\],"msg":"closing files whose release the kernel dropped"/;
    // The drop is the kernel's timing, not the daemon's: now and then a libfuse thread reads the
    // RELEASE after all. Every attempt must stop cleanly; at least one must have met the drop.
    let met = false;
    for (let attempt = 0; attempt < 3 && !met; attempt++) {
      await fx.remount({ args: ['--log-level', 'info'] });
      const { child } = fx.mount;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      // Written and closed (the flush commits it), then held by a mapping alone: no flush at its end.
      const holder = spawn(await python3(), ['-c', MAPPED_WRITER, file, `written before the unmount ${attempt}`], { stdio: ['pipe', 'pipe', 'inherit'] });
      const holderExited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve());
        holder.once('exit', (c) => reject(new Error(`the writer exited (${c})`)));
      });
      await run('fusermount', ['-u', '-z', fx.mnt]);
      process.kill(child.pid!, 'SIGSTOP');
      let goneWhileStopped: boolean;
      try {
        holder.kill('SIGKILL');
        goneWhileStopped = await Promise.race([holderExited.then(() => true), sleep(STOP_WAIT_MS).then(() => false)]);
      } finally {
        process.kill(child.pid!, 'SIGCONT');
      }
      assert.ok(goneWhileStopped, 'the writer\'s end asked the stopped daemon nothing');
      const exitCode = await Promise.race([exited, sleep(STOP_WAIT_MS).then(() => 'still running' as const)]);
      assert.equal(exitCode, 0, fx.mount.output());
      met = dropped.test(fx.mount.output());
      await fx.remount({ freshCache: true, args: [] });
      assert.equal(await fs.readFile(file, 'utf8'), `written before the unmount ${attempt}`, 'uploaded');
    }
    assert.ok(met, 'in three attempts the kernel never dropped the release');
  });

  test('a file still being written 10 s after the unmount is not uploaded half-written; the stop goes on and exits 0', async () => {
    const file = path.join(fx.mnt, 'half-written');
    const writer = spawn(await python3(), ['-c', UNCLOSED_WRITER, file, 'half'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const writerExited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout.once('data', () => resolve());
        writer.once('exit', (c) => reject(new Error(`the writer exited (${c})`)));
      });
      // The drain passes it (nothing closed, nothing to upload); the lazy unmount leaves it writing.
      assert.equal(await fx.mount.stop(), 0, fx.mount.output());
      assert.match(fx.mount.output(), /"files":1,"msg":"files still open for writing 10 s after the unmount: stopping without them/);
    } finally {
      writer.kill('SIGKILL');
      await writerExited;
    }
    await fx.remount({ freshCache: true, args: [] });
    const onServer = await fs.readFile(file, 'utf8').catch((e: unknown) => (code(e) === 'ENOENT' ? '' : Promise.reject(e)));
    assert.equal(onServer, '', 'nothing of a file never closed went up');
  });

  test('pdsfs unmount: the mount goes away and its process exits 0', async () => {
    const { child } = fx.mount;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const out = await run(process.execPath, pdsfsArgs('unmount', fx.mnt));
    assert.match(out.stdout, /unmounted/);
    assert.equal(await exited, 0, fx.mount.output());
    assert.deepEqual(await fs.readdir(fx.mnt), [], 'the mountpoint is a plain empty directory again');
  });
});
