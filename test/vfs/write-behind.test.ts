// A write is answered once its bytes are copied, and lands on the staging file behind (write-behind.ts),
// unless it lies within the file's first 128 KiB with nothing waiting before it: then it lands at once.
// Held here at the places bytes reach the disk, so what waits for them, and what does not, is
// counted. Over a real staging file; the VFS part over memory drives.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { VfsError } from '../../src/core/errors.js';
import { StagedFile } from '../../src/vfs/staged-file.js';
import { stagingDisk } from '../../src/vfs/write-behind.js';
import { readFile } from '../helpers/app.js';
import { type MemoryApp, startMemoryApp } from '../helpers/memory-app.js';

const KiB = 1024;
/** The bytes of a file that land at once (write-behind.ts LAND_AT_ONCE): writes past them go behind. */
const HEAD = 128 * KiB;
const realWriteAt = stagingDisk.writeAt;
const realWriteAtSync = stagingDisk.writeAtSync;

/** Holds every staging write until release(); counts them. */
function holdWrites() {
  const held: (() => void)[] = [];
  const state = { calls: 0, release: () => held.splice(0).forEach((go) => go()) };
  stagingDisk.writeAt = async (fd, data, position) => {
    state.calls++;
    await new Promise<void>((go) => held.push(go));
    return realWriteAt(fd, data, position);
  };
  return state;
}

/** Every staging write fails with `code`, as the disk would say it. */
function failWrites(code: string) {
  const fail = () => {
    throw Object.assign(new Error(`${code} from the disk`), { code });
  };
  stagingDisk.writeAt = async () => fail();
  stagingDisk.writeAtSync = fail;
}

/** Counts the writes that land at once. */
function countWritesAtOnce() {
  const state = { calls: 0 };
  stagingDisk.writeAtSync = (fd, data, position) => {
    state.calls++;
    realWriteAtSync(fd, data, position);
  };
  return state;
}

/** Lets every callback and timer-free continuation queued so far run. */
const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** Whether the promise has settled, without waiting for it. */
function tracked<T>(p: Promise<T>) {
  const t = { settled: false, value: p };
  p.then(() => (t.settled = true), () => (t.settled = true));
  return t;
}

/** Lets held writes go, one look at a time, until `until` settles. */
async function releaseUntil(hold: { release(): void }, until: Promise<unknown>): Promise<void> {
  const t = tracked(until);
  while (!t.settled) {
    hold.release();
    await turns(1);
  }
  await until;
}

afterEach(() => {
  stagingDisk.writeAt = realWriteAt;
  stagingDisk.writeAtSync = realWriteAtSync;
});

describe('staging writes land behind the answer', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-write-behind-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));
  const staged = async () => {
    const p = path.join(dir, `f${++n}`);
    await fs.writeFile(p, '');
    return { p, f: await StagedFile.open(p) };
  };

  test("a write within the file's first bytes lands at once, hashed; one past them lands behind", async () => {
    const { p, f } = await staged();
    const atOnce = countWritesAtOnce();
    const hold = holdWrites();
    assert.equal(await f.write(Buffer.from('hello'), 0, 5, 0), 5);
    assert.equal(atOnce.calls, 1);
    assert.equal(hold.calls, 0, 'no write behind');
    assert.equal(await fs.readFile(p, 'utf8'), 'hello', 'on the file when answered');
    assert.equal(f.sha1(), 'AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D');
    await f.write(Buffer.alloc(HEAD - 5, 'h'), 0, HEAD - 5, 5);
    assert.equal(atOnce.calls, 2, 'up to the end of the first bytes');
    assert.equal(await f.write(Buffer.from('!'), 0, 1, HEAD), 1);
    assert.equal(atOnce.calls, 2);
    assert.equal(hold.calls, 1, 'past them: behind');
    hold.release();
    await f.landed();
    assert.equal((await fs.stat(p)).size, HEAD + 1);
    await f.close();
  });

  test('a write is answered before its bytes reach the file; a read and sync wait for them', async () => {
    const { p, f } = await staged();
    await f.write(Buffer.alloc(HEAD, 'h'), 0, HEAD, 0);
    const hold = holdWrites();
    assert.equal(await f.write(Buffer.from('hello'), 0, 5, HEAD), 5);
    assert.equal(hold.calls, 1);
    assert.equal((await fs.stat(p)).size, HEAD, 'not on the file yet');
    assert.equal(f.size, HEAD + 5);
    assert.equal(f.sha1(), null, 'hashed as it lands');
    const read = tracked(f.read(Buffer.alloc(5), 0, 5, HEAD));
    const sync = tracked(f.sync());
    await turns();
    assert.equal(read.settled || sync.settled, false, 'both wait for the held write');
    hold.release();
    await sync.value;
    assert.equal(await read.value, 5);
    assert.equal((await fs.readFile(p)).subarray(HEAD).toString(), 'hello');
    assert.equal(f.sha1(), createHash('sha1').update(Buffer.alloc(HEAD, 'h')).update('hello').digest('hex').toUpperCase());
    await f.close();
  });

  test('a write landing at once that fails fails itself with the errno; the file takes the next write', async () => {
    const { p, f } = await staged();
    failWrites('ENOSPC');
    await assert.rejects(f.write(Buffer.from('lost'), 0, 4, 0), (err) => VfsError.is(err, 'ENOSPC'));
    assert.equal(f.size, 0, 'nothing was acknowledged');
    stagingDisk.writeAtSync = realWriteAtSync;
    assert.equal(await f.write(Buffer.from('kept'), 0, 4, 0), 4);
    await f.landed();
    assert.equal(await fs.readFile(p, 'utf8'), 'kept');
    assert.equal(f.sha1(), createHash('sha1').update('kept').digest('hex').toUpperCase());
    await f.close();
  });

  test('writes land one at a time and in order; contiguous ones queued meanwhile go as one', async () => {
    const { p, f } = await staged();
    const hold = holdWrites();
    const piece = (c: string) => Buffer.alloc(128 * KiB, c);
    // The first is in flight (held); the next three gather into one buffer; the last overwrites the
    // first byte, so it must land after the first.
    // (The first lands at once: it is the file's first 128 KiB.)
    for (let i = 0; i < 5; i++) await f.write(piece('xabcd'[i]!), 0, 128 * KiB, i * 128 * KiB);
    await f.write(Buffer.from('z'), 0, 1, 128 * KiB);
    assert.equal(hold.calls, 1, 'one write at a time');
    await releaseUntil(hold, f.landed());
    assert.equal(hold.calls, 3, 'the held write, the three gathered, the overwrite');
    const content = await fs.readFile(p);
    assert.equal(content.length, 640 * KiB);
    assert.equal(content.subarray(128 * KiB, 128 * KiB + 2).toString(), 'za');
    assert.equal(content[256 * KiB], 'b'.charCodeAt(0));
    assert.equal(content[640 * KiB - 1], 'd'.charCodeAt(0));
    await f.close();
  });

  test('a writer past the bound of bytes waiting is not answered until some land', async () => {
    const { p, f } = await staged();
    const hold = holdWrites();
    const piece = Buffer.alloc(128 * KiB, 'w');
    let answered = 0;
    const all = (async () => {
      for (let i = 0; i < 32; i++) {
        await f.write(piece, 0, piece.length, i * piece.length);
        answered++;
      }
    })();
    await turns();
    assert.ok(answered > 1 && answered < 32, `answered ${answered} of 32 while the first is held`);
    await releaseUntil(hold, all);
    await releaseUntil(hold, f.landed());
    assert.equal((await fs.stat(p)).size, 4 * 1024 * KiB);
    await f.close();
  });

  for (const code of ['ENOSPC', 'EIO'] as const) {
    test(`a write that fails to land (${code}) fails landed, sync and the next write with ${code}`, async () => {
      const { f } = await staged();
      await f.write(Buffer.alloc(HEAD), 0, HEAD, 0);
      failWrites(code);
      assert.equal(await f.write(Buffer.from('lost'), 0, 4, HEAD), 4, 'answered before it fails');
      await assert.rejects(f.landed(), (err) => VfsError.is(err, code));
      await assert.rejects(f.sync(), (err) => VfsError.is(err, code));
      await assert.rejects(f.write(Buffer.from('more'), 0, 4, HEAD + 4), (err) => VfsError.is(err, code));
      await assert.rejects(f.write(Buffer.from('head'), 0, 4, 0), (err) => VfsError.is(err, code), 'not even at once');
      await f.close();
    });
  }
});

describe('write-behind through the VFS', () => {
  let s: MemoryApp;
  before(async () => {
    s = await startMemoryApp({ writeBackMs: 3_600_000 });
  });
  after(() => s.close());
  const d = '/drives/My Drive';

  test('flush waits for the held staging write; the file is then complete and uploads', async () => {
    const h = await s.vfs.open(`${d}/held.txt`, { read: false, write: true, create: true, truncate: true });
    await h.write(Buffer.alloc(HEAD, 'h'), 0, HEAD);
    const hold = holdWrites();
    assert.equal(await h.write(Buffer.from('held bytes'), HEAD, 10), 10);
    assert.equal((await s.vfs.stat(`${d}/held.txt`)).size, HEAD + 10, 'the size shows at once');
    const flush = tracked(h.flush());
    await turns();
    assert.equal(flush.settled, false, 'flush waits for the write to land');
    hold.release();
    await flush.value;
    await h.release();
    assert.equal(hold.calls, 1);
    await s.vfs.drain();
    assert.equal(s.pds.calls.upload, 1);
    assert.equal((await readFile(s.vfs, `${d}/held.txt`)).subarray(HEAD).toString(), 'held bytes');
  });

  test('a failed staging write fails flush and close with its errno, and nothing is uploaded', async () => {
    s.pds.resetCounts();
    const p = `${d}/failed.txt`;
    const h = await s.vfs.open(p, { read: false, write: true, create: true, truncate: true });
    // Committed once, then a write that never reaches the disk: the committed row is not uploaded either.
    await h.write(Buffer.from('first'), 0, 5);
    await h.flush();
    failWrites('EIO');
    assert.equal(await h.write(Buffer.from('second'), HEAD, 6), 6);
    await assert.rejects(h.flush(), (err) => VfsError.is(err, 'EIO'));
    await assert.rejects(h.sync(), (err) => VfsError.is(err, 'EIO'));
    await assert.rejects(h.release(), (err) => VfsError.is(err, 'EIO'));
    stagingDisk.writeAt = realWriteAt;
    await s.vfs.drain();
    assert.equal(s.pds.calls.upload ?? 0, 0, 'nothing uploaded from a file with a failed write');
  });
});
