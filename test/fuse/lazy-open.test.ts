// Read-only opens answered in the binding (native-binding.ts, lazy-open-c.ts): rsync's re-open of
// each file it wrote reaches no JS; a handle opened so reads the right bytes once JS adopts it at its
// first read (two threads reading at once: one adoption), after its file was unlinked or replaced,
// and as a handle JS opened sees a change made through another one; a stop does not wait for such
// handles. (lazy-adopt.test.ts holds two reads in flight in JS at once, which a mount rarely does.)
// Counted through the status the daemon reports, never timed. The reads that must reach the mount
// come from Python, which drops the file's pages from the kernel's cache first (posix_fadvise).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { FuseRequestCounts } from '../../src/core/fuse-request-counts.js';
import { bytes } from '../contract/vfs-scenarios.js';
import { type FuseFixture, fuseRequests, startFixture } from './fixture.js';
import { eventually, fuseUnavailable, python3, sleep, tempDir } from './harness.js';

const run = promisify(execFile);
const FILES = 30;
const MiB = 1024 * 1024;
/** Far more than a stop takes; one that never ends fails the test here instead of at its time limit. */
const STOP_WAIT_MS = 30_000;

/** Opens argv[1] read-only, then reads its two halves from two threads at once; prints each half's sha256. */
const PARALLEL_READS = `
import hashlib, os, sys, threading
os.listdir(os.path.dirname(sys.argv[1]))  # described again just now: the binding answers an open within 2 s of that
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
half = os.fstat(fd).st_size // 2
out = [None, None]
both = threading.Barrier(2)
def read(i):
    both.wait()
    out[i] = hashlib.sha256(os.pread(fd, half, i * half)).hexdigest()
threads = [threading.Thread(target=read, args=(i,)) for i in (0, 1)]
for t in threads: t.start()
for t in threads: t.join()
os.close(fd)
print(out[0]); print(out[1])
`;

/**
 * Opens argv[1] read-only, then (argv[2]) unlinks it, renames argv[3] over it, or renames it to
 * argv[3] and unlinks that; reads through the fd what it had, and lists the folder while the fd is
 * open: prints both.
 */
const READ_AFTER_NAME_CHANGE = `
import os, sys
os.listdir(os.path.dirname(sys.argv[1]))  # described again just now: the binding answers an open within 2 s of that
fd = os.open(sys.argv[1], os.O_RDONLY)
if sys.argv[2] == 'unlink': os.unlink(sys.argv[1])
elif sys.argv[2] == 'replace': os.rename(sys.argv[3], sys.argv[1])
else:
    os.rename(sys.argv[1], sys.argv[3])
    os.unlink(sys.argv[3])
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
print(os.pread(fd, 4096, 0).decode())
print(' '.join(sorted(os.listdir(os.path.dirname(sys.argv[1])))))
os.close(fd)
`;

/**
 * Opens argv[1] read-only twice (argv[2] says when the binding holds the file: "listed" after the
 * first), changes it through a third handle (a write inside, then a truncate), and prints what each
 * of the two reads.
 */
const READ_AFTER_CHANGE = `
import os, sys
first = os.open(sys.argv[1], os.O_RDONLY)
second = os.open(sys.argv[1], os.O_RDONLY)
w = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(w, b'XYZ', 2)
os.ftruncate(w, 7)
os.close(w)
for fd in (first, second):
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    print(os.pread(fd, 4096, 0).decode())
    os.close(fd)
`;

/** Opens argv[1] and argv[2] read-only, reads one byte of the second, says so and waits to be killed. */
const HOLDER = `
import os, sys
idle = os.open(sys.argv[1], os.O_RDONLY)
used = os.open(sys.argv[2], os.O_RDONLY)
os.posix_fadvise(used, 0, 0, os.POSIX_FADV_DONTNEED)
os.pread(used, 1, 0)
sys.stdout.write('ready'); sys.stdout.flush()
sys.stdin.read()
`;

type Counts = Pick<FuseRequestCounts, 'openInBinding' | 'releaseInBinding' | 'lazyOpensAdopted'> & { open: number; release: number; read: number };

describe('read-only opens answered in the binding', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx?.close());

  async function counts(): Promise<Counts> {
    const f = await fuseRequests(fx);
    return { openInBinding: f.openInBinding, releaseInBinding: f.releaseInBinding, lazyOpensAdopted: f.lazyOpensAdopted, open: f.byJs.open ?? 0, release: f.byJs.release ?? 0, read: f.byJs.read ?? 0 };
  }
  const delta = (a: Counts, b: Counts): Counts => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - a[k as keyof Counts]])) as Counts;
  async function py(script: string, ...args: string[]): Promise<string> {
    return (await run(await python3(), ['-c', script, ...args])).stdout;
  }

  test("rsync's re-open of each file it wrote, for its fchmod, reaches no JS", async () => {
    const src = await tempDir('lazy-src');
    try {
      for (let i = 0; i < FILES; i++) await fs.writeFile(path.join(src, `f${i}`), `content of file ${i}\n`.repeat(i + 1), { mode: 0o644 });
      const start = await counts();
      await run('rsync', ['-a', `${src}/`, `${fx.mnt}/rsynced/`]);
      // The kernel sends a release after close(2) returned: the last may still be on its way.
      await eventually(async () => { const d = delta(start, await counts()); return d.release + d.releaseInBinding === 2 * FILES; }, 'every release answered');
      const d = delta(start, await counts());
      assert.equal(d.open + d.openInBinding, FILES, 'each file opened once more, read-only');
      // The binding holds what JS said of a file for 2 s: a machine that stalls rsync that long between its utimens and the open may send one to JS.
      assert.ok(d.openInBinding >= FILES - 1, `opens answered in the binding: ${d.openInBinding}`);
      assert.equal(d.releaseInBinding, d.openInBinding, 'the release of each handle JS never used answered in the binding');
      assert.equal(d.release, FILES + d.open, "each writer's release, and only that, reached JS");
      assert.equal(d.lazyOpensAdopted, 0);
      for (let i = 0; i < FILES; i++) {
        assert.equal(await fs.readFile(`${fx.mnt}/rsynced/f${i}`, 'utf8'), `content of file ${i}\n`.repeat(i + 1));
        assert.equal((await fs.stat(`${fx.mnt}/rsynced/f${i}`)).mode & 0o777, 0o644);
      }
    } finally {
      await fs.rm(src, { recursive: true, force: true });
    }
  });

  test('a handle opened in the binding reads the right bytes; two threads reading at once adopt it once', async () => {
    const data = bytes(2 * MiB, 7);
    const f = `${fx.mnt}/two-halves.bin`;
    const beforeWrite = await counts();
    await fs.writeFile(f, data);
    // The writer's release comes after close(2) returned; counted after start, it would be taken for the reader's.
    await eventually(async () => delta(beforeWrite, await counts()).release === 1, "the writer's release reached JS");
    const start = await counts();
    const [first, second] = (await py(PARALLEL_READS, f)).trim().split('\n');
    const d = delta(start, await counts());
    assert.equal(first, createHash('sha256').update(data.subarray(0, MiB)).digest('hex'));
    assert.equal(second, createHash('sha256').update(data.subarray(MiB)).digest('hex'));
    assert.equal(d.openInBinding, 1, 'opened in the binding');
    assert.equal(d.open, 0);
    assert.ok(d.read >= 2, `reads that reached JS: ${d.read}`);
    assert.equal(d.lazyOpensAdopted, 1, 'one VFS handle for both first reads');
    // Adopted: its release goes to JS (after close(2) returned).
    await eventually(async () => delta(start, await counts()).release === 1, 'the release reached JS');
    assert.equal(delta(start, await counts()).releaseInBinding, 0);
  });

  const changes = { unlink: 'an unlink', replace: 'a rename over it', move: 'a rename and an unlink of its new name' } as const;
  for (const [change, what] of Object.entries(changes)) {
    test(`a handle opened in the binding still reads its file after ${what}`, async () => {
      const f = `${fx.mnt}/${change}d.txt`;
      const incoming = `${fx.mnt}/${change}-other.txt`;
      if (change === 'replace') await fs.writeFile(incoming, 'the new content, longer');
      await fs.writeFile(f, 'the old content');
      const start = await counts();
      const [read, listed] = (await py(READ_AFTER_NAME_CHANGE, f, change, incoming)).split('\n');
      assert.equal(read, 'the old content');
      // Removed from the VFS at once: a plain rename to libfuse's hidden name would have kept it on the drive until the close.
      assert.deepEqual(listed!.split(' ').filter((n) => n.startsWith('.fuse_hidden')), [], 'no hidden stand-in while open');
      const d = delta(start, await counts());
      assert.equal(d.openInBinding, 1, 'opened in the binding');
      assert.equal(d.lazyOpensAdopted, 1, 'adopted before its name went');
      if (change === 'replace') assert.equal(await fs.readFile(f, 'utf8'), 'the new content, longer');
      else await assert.rejects(fs.stat(f), (e) => (e as NodeJS.ErrnoException).code === 'ENOENT');
    });
  }

  test('a handle opened in the binding sees a change made through another handle as one JS opened does', async () => {
    const f = `${fx.mnt}/changed.txt`;
    await fs.writeFile(f, 'abcdefghij');
    // A new mount process: the binding holds nothing, so the first open reaches JS (and hands the
    // file's attributes over), and the second is answered in the binding.
    await fx.remount();
    const start = await counts();
    const [byJs, inBinding] = (await py(READ_AFTER_CHANGE, f)).trim().split('\n');
    const d = delta(start, await counts());
    assert.equal(d.open, 2, 'the first read-only open and the writer reached JS');
    assert.equal(d.openInBinding, 1, 'the second read-only open was answered in the binding');
    assert.equal(byJs, 'abXYZfg');
    assert.equal(inBinding, byJs);
  });

  test('a stop with handles the binding opened, one of them used, does not wait for them', async () => {
    await fs.writeFile(`${fx.mnt}/held-idle.txt`, 'idle');
    await fs.writeFile(`${fx.mnt}/held-used.txt`, 'used');
    const start = await counts();
    const holder = spawn(await python3(), ['-c', HOLDER, `${fx.mnt}/held-idle.txt`, `${fx.mnt}/held-used.txt`], { stdio: ['pipe', 'pipe', 'inherit'] });
    const holderExited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve());
        holder.once('exit', (c) => reject(new Error(`the holder exited (${c})`)));
      });
      const d = delta(start, await counts());
      assert.equal(d.openInBinding, 2);
      assert.equal(d.lazyOpensAdopted, 1);
      const code = await Promise.race([fx.mount.stop(), sleep(STOP_WAIT_MS).then(() => 'still running' as const)]);
      assert.equal(code, 0, fx.mount.output());
    } finally {
      holder.kill('SIGKILL');
      await holderExited;
    }
    await fx.remount();
    assert.equal(await fs.readFile(`${fx.mnt}/held-used.txt`, 'utf8'), 'used');
  });
});
