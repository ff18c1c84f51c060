// A large folder through a real mount, counted (never timed): readdir is answered a kernel buffer at
// a time by offset (native-binding.ts, dir-streams.ts), never as the whole folder in one call, and a
// listing stays right when entries are added and removed between two of its pages.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NAMES_PER_CALL } from '../../src/fuse/dir-streams.js';
import { bulkFolder } from '../helpers/bulk-entries.js';
import { type FuseFixture, startFixture } from './fixture.js';
import { eventually, fuseUnavailable, tempDir } from './harness.js';

const ENTRIES = 20_000;
const names = Array.from({ length: ENTRIES }, (_, i) => `entry-${i}`);

interface ReaddirCall {
  path: string;
  offset: number;
  names: number;
  restarts: number;
}

describe('FUSE large folder', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  let dataDir: string;
  before(async () => {
    dataDir = await tempDir('fuse-large-emu');
    fx = await startFixture(['--log-level', 'debug', '--log-format', 'json'], { dataDir });
    bulkFolder(dataDir, fx.driveId, 'big', ENTRIES);
    // Written behind the server's change feed: a mount that listed the root as it started (mount.ts)
    // would not see it, so one starts now.
    await fx.remount({ freshCache: true });
  });
  after(async () => {
    await fx?.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  /** The readdir calls the mount answered for `dir` since `from` (its debug log). */
  function readdirCalls(dir: string, from: number): ReaddirCall[] {
    return fx.mount.output().slice(from).split('\n')
      .filter((l) => l.includes('"readdir page"'))
      .map((l) => JSON.parse(l) as ReaddirCall)
      .filter((c) => c.path === dir);
  }

  test('ls of 20,000 entries is answered in kernel buffers, each from where the last one ended', async () => {
    const from = fx.mount.output().length;
    const listed = await fs.readdir(path.join(fx.mnt, 'big'));
    assert.equal(listed.length, ENTRIES);
    assert.deepEqual([...listed].sort(), [...names].sort());
    // The log line of the last (empty) answer may still be on its way.
    await eventually(async () => readdirCalls('/big', from).at(-1)?.names === 0, 'the end of the listing in the log', 10_000);
    const calls = readdirCalls('/big', from);
    const handed = calls.map((c) => c.names);
    assert.ok(calls.length > 2, `readdir calls: ${calls.length}`);
    assert.equal(calls[0]!.offset, 0);
    assert.ok(calls.slice(1).every((c) => c.offset > 0), 'every later call resumes from an offset');
    assert.ok(Math.max(...handed) <= NAMES_PER_CALL, `largest answer: ${Math.max(...handed)} names`);
    assert.equal(handed.at(-1), 0, 'the end is an empty answer');
    assert.equal(calls.at(-1)!.restarts, 0, 'no call had to start the listing over');
  });

  test('entries added and removed between two pages: no name twice, none of the unchanged missing', async () => {
    const dir = path.join(fx.mnt, 'big');
    const from = fx.mount.output().length;
    const handle = await fs.opendir(dir, { bufferSize: 1 });
    const seen: string[] = [];
    try {
      for (let i = 0; i < 3000; i++) seen.push((await handle.read())!.name);
      // In name order entry-9… come last (far past what was read so far) and aa-… come first.
      const removedRead = seen.filter((n) => n.startsWith('entry-')).slice(100, 150);
      const removedAhead = names.filter((n) => n.startsWith('entry-99')).slice(0, 50);
      // It once failed with EIO at load 10–13 (not reproduced): the mount's log names the cause.
      for (const n of [...removedRead, ...removedAhead]) {
        await fs.unlink(path.join(dir, n)).catch((err: Error) => {
          throw new Error(`${err.message}\nmount log:\n${fx.mount.output().slice(from).split('\n').filter((l) => !l.includes('"readdir page"')).slice(-40).join('\n')}`);
        });
      }
      for (let i = 0; i < 25; i++) {
        await fs.writeFile(path.join(dir, `zz-new-${i}`), '');
        await fs.writeFile(path.join(dir, `aa-new-${i}`), '');
      }
      for (let e = await handle.read(); e; e = await handle.read()) seen.push(e.name);

      const counts = new Map<string, number>();
      for (const n of seen) counts.set(n, (counts.get(n) ?? 0) + 1);
      assert.deepEqual([...counts].filter(([, c]) => c > 1), [], 'no name listed twice');
      const gone = new Set([...removedRead, ...removedAhead]);
      const missing = names.filter((n) => !gone.has(n) && !counts.has(n));
      assert.deepEqual(missing, [], 'every unchanged entry listed');
      for (const n of removedAhead) assert.ok(!counts.has(n), `${n} was removed before the listing reached it`);
      for (let i = 0; i < 25; i++) assert.ok(counts.has(`zz-new-${i}`), `zz-new-${i} was added ahead of the listing`);
      assert.ok(readdirCalls('/big', from).every((c) => c.restarts === 0), 'the listing was continued, not started over');
    } finally {
      await handle.close();
    }
  });
});
