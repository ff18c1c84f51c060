// Random file operations (write, append, patch, truncate, rename, copy, unlink) applied both to a
// FUSE mount and to a local reference folder: every result, and the content of the files a step
// names, must agree after each step (every file's every 10 steps and at the end), while uploads run
// behind them (write-back 0), and again after a remount on a fresh cache, when everything comes
// from the server. Fixed seeds, so a failure can be replayed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FuseFixture, startFixture } from './fixture.js';
import { fuseUnavailable, tempDir } from './harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const NAMES = ['a', 'b', 'c', 'd/e', 'd/f', 'g/h'];
const SIZES = [0, 1, 100, 5 * KiB, MiB - 3, MiB + 7, 3 * MiB + 11];
const STEPS = 250;
const FULL_CHECK_EVERY = 10;

/** A small deterministic generator (LCG): the same seed gives the same run. */
function generator(seed: number) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return {
    below: (n: number) => Math.floor(next() * n),
    pick: <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    bytes(n: number): Buffer {
      const b = Buffer.allocUnsafe(n);
      const salt = Math.floor(next() * 256);
      for (let i = 0; i < n; i++) b[i] = (i * 31 + salt) & 0xff;
      return b;
    },
  };
}

const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: NodeJS.ErrnoException) => e.code ?? String(e));
const contentOf = (file: string): Promise<string> =>
  fs.readFile(file).then((b) => createHash('sha1').update(b).digest('hex'), (e: NodeJS.ErrnoException) => e.code ?? String(e));

describe('random operations agree with a local folder', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  let ref: string;
  before(async () => {
    fx = await startFixture(['--block-size', '1M']);
    ref = await tempDir('reference');
  });
  after(async () => {
    await fx?.close();
    if (ref) await fs.rm(ref, { recursive: true, force: true });
  });

  /** Files on the mount (all by default) against the reference's contents (`theirs`: name → sha1 or error code). */
  async function differences(when: string, dir: string, theirs: Map<string, string>, names: readonly string[] = NAMES): Promise<string[]> {
    const out: string[] = [];
    for (const n of names) {
      const mine = await contentOf(path.join(dir, n));
      if (mine !== theirs.get(n)) out.push(`${when}: ${n} is ${mine} on the mount, ${theirs.get(n)} locally`);
    }
    return out;
  }

  for (const seed of [11, 12]) {
    test(`seed ${seed}: ${STEPS} steps, then a remount on a fresh cache`, { timeout: 240_000 }, async () => {
      const dir = path.join(fx.mnt, `run-${seed}`);
      const refDir = path.join(ref, `run-${seed}`);
      const g = generator(seed);
      const problems: string[] = [];
      for (const root of [dir, refDir]) for (const d of ['d', 'g']) await fs.mkdir(path.join(root, d), { recursive: true });
      // The reference is a local folder: only what a step names changes there, so only that is hashed again.
      const theirs = new Map<string, string>();
      const rehash = async (names: string[]) => {
        for (const n of names) theirs.set(n, await contentOf(path.join(refDir, n)));
      };
      await rehash(NAMES);
      for (let i = 0; i < STEPS && problems.length < 5; i++) {
        const name = g.pick(NAMES);
        const kind = g.pick(['write', 'write', 'append', 'patch', 'patch', 'truncate', 'rename', 'copy', 'unlink'] as const);
        let step: (root: string) => Promise<unknown>;
        const touched = [name];
        let what = `step ${i}: ${kind} ${name}`;
        if (kind === 'write') {
          const data = g.bytes(g.pick(SIZES));
          what += ` (${data.length} bytes)`;
          step = (root) => fs.writeFile(path.join(root, name), data);
        } else if (kind === 'append') {
          const data = g.bytes(g.pick([1, 10, 70_000]));
          step = (root) => fs.appendFile(path.join(root, name), data);
        } else if (kind === 'patch') {
          const data = g.bytes(g.pick([1, 4096, 200_000]));
          const at = g.below(4 * MiB);
          what += ` (${data.length} bytes at ${at})`;
          step = async (root) => {
            const fh = await fs.open(path.join(root, name), 'r+');
            try {
              await fh.write(data, 0, data.length, at);
            } finally {
              await fh.close();
            }
          };
        } else if (kind === 'truncate') {
          const size = g.below(4 * MiB);
          what += ` (to ${size})`;
          step = (root) => fs.truncate(path.join(root, name), size);
        } else if (kind === 'rename' || kind === 'copy') {
          const to = g.pick(NAMES);
          what += ` to ${to}`;
          touched.push(to);
          step = (root) => (kind === 'rename' ? fs.rename : fs.copyFile)(path.join(root, name), path.join(root, to));
        } else {
          step = (root) => fs.unlink(path.join(root, name));
        }
        const [mine, local] = [await outcome(step(dir)), await outcome(step(refDir))];
        if (mine !== local) problems.push(`${what}: ${mine} on the mount, ${local} locally`);
        await rehash(touched);
        // The names a step touched are compared at once; every file every FULL_CHECK_EVERY steps, so
        // a step that changed a file it did not name is still caught, a few steps later.
        problems.push(...(await differences(`after ${what}`, dir, theirs, i % FULL_CHECK_EVERY === FULL_CHECK_EVERY - 1 ? NAMES : touched)));
      }
      problems.push(...(await differences('after the last step', dir, theirs)));
      assert.deepEqual(problems, []);
      const reference = new Map(await Promise.all(NAMES.map(async (n) => [n, await contentOf(path.join(refDir, n))] as const)));
      assert.deepEqual(theirs, reference, 'the kept hashes are the reference folder');
      // Everything is uploaded when the mount stops; a fresh cache then reads only the server.
      await fx.remount({ freshCache: true });
      assert.deepEqual(await differences('after the remount', dir, theirs), []);
    });
  }
});
