// The round trips of the fault-tolerance suite, the same for both front-ends: data goes in through
// one daemon, which must get all of it to PDS (checked through the PDS API: each name once, the
// server's content hashes) and exit 0 on SIGTERM; a second daemon on a fresh cache then reads it all
// back from PDS, byte-identical. Figures go out as test diagnostics; no assertion is timed.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { FaultEnv, FrontEnd } from './front-ends.js';
import { BIG_BYTES, BIG_CACHE_ARGS, hashTree, makeBigFile, makeTree, MiB, serverTree, TREE_FILES, type TreeFile, treeDiff, waitUploaded } from './support.js';

/** Per test; each round trip takes 1–2 minutes on a 2-CPU machine. */
export const ROUND_TRIP_LIMIT_MS = 600_000;

/** The server holds exactly `files` under `folder`, each name once, with their content hashes. */
export async function assertOnServer(env: FaultEnv, folder: string, files: TreeFile[]): Promise<void> {
  const view = await serverTree(env.server, folder);
  assert.deepEqual(view.duplicates, [], 'no name is listed twice');
  assert.deepEqual(treeDiff(files, view.files), [], 'the server holds exactly the files sent, with their content');
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;

function figure(t: TestContext, what: string, amount: number, secs: number, unit: string): void {
  t.diagnostic(`${what}: ${(amount / secs).toFixed(1)} ${unit} (${secs.toFixed(1)} s)`);
}

/** Token grants during a test: one per daemon start, more when the 60 s tokens were renewed mid-run. */
function grants(t: TestContext, env: FaultEnv, before: number): void {
  t.diagnostic(`token grants (daemon starts, renewals, the test's own client): ${env.server.tokenGrants() - before}`);
}

/**
 * Counts the faults the server injects from now on; the returned check asserts some fired, so a
 * round trip that passed proves it got through faults (a smaller run sends fewer requests).
 */
function faultsFrom(t: TestContext, env: FaultEnv): () => void {
  const before = env.server.emu.emu.faultsFired;
  return () => {
    const now = env.server.emu.emu.faultsFired;
    const fired = Object.entries(now).map(([kind, n]) => `${kind} ${n - before[kind as keyof typeof now]}`);
    t.diagnostic(`faults fired: ${fired.join(', ')}`);
    const total = Object.entries(now).reduce((sum, [kind, n]) => sum + n - before[kind as keyof typeof now], 0);
    assert.ok(total > 0, 'faults fired during the round trip');
  };
}

export async function treeRoundTrip(t: TestContext, env: FaultEnv, fe: FrontEnd, seed: number): Promise<void> {
  const granted = env.server.tokenGrants();
  const faultsFired = faultsFrom(t, env);
  const src = path.join(env.work, 'tree-in');
  const out = path.join(env.work, 'tree-out');
  const files = await makeTree(src, TREE_FILES, seed);
  const mib = files.reduce((s, f) => s + f.size, 0) / MiB;

  const a = await fe.start('cache-in');
  t.after(() => a.crash());
  const t0 = performance.now();
  await fe.treeFolders('tree');
  await fe.treeIn(src, files, 'tree');
  const inSecs = seconds(t0);
  const status = await waitUploaded(a.cacheDir, ROUND_TRIP_LIMIT_MS);
  const uploadSecs = seconds(t0);
  assert.equal(status.uploads.failedFiles, 0, 'no upload failed for good');
  await assertOnServer(env, 'tree', files);
  assert.equal(await a.stop(), 0, `the daemon exits 0:\n${a.output()}`);

  const b = await fe.start('cache-out');
  t.after(() => b.crash());
  const t1 = performance.now();
  await fe.treeOut('tree', files, out).catch((err: Error) => {
    throw new Error(`${err.message}\ndaemon output:\n${b.output()}`);
  });
  const outSecs = seconds(t1);
  assert.deepEqual(treeDiff(files, await hashTree(out)), [], 'what comes out is what went in');
  assert.equal(await b.stop(), 0, b.output());

  t.diagnostic(`${fe.name} tree: ${files.length} files, ${mib.toFixed(0)} MiB`);
  figure(t, `${fe.name} tree in (until the client was done)`, files.length, inSecs, 'files/s');
  figure(t, `${fe.name} tree in (until uploaded)`, files.length, uploadSecs, 'files/s');
  figure(t, `${fe.name} tree out (fresh cache)`, files.length, outSecs, 'files/s');
  grants(t, env, granted);
  faultsFired();
  await fs.rm(src, { recursive: true, force: true });
  await fs.rm(out, { recursive: true, force: true });
}

export async function bigRoundTrip(t: TestContext, env: FaultEnv, fe: FrontEnd, seed: number): Promise<void> {
  const granted = env.server.tokenGrants();
  const faultsFired = faultsFrom(t, env);
  const big = path.join(env.work, 'big.bin');
  const sha1 = await makeBigFile(big, BIG_BYTES, seed);
  const mib = BIG_BYTES / MiB;

  const a = await fe.start('cache-big-in', BIG_CACHE_ARGS);
  t.after(() => a.crash());
  const t0 = performance.now();
  await fe.fileIn(big, 'big.bin');
  const inSecs = seconds(t0);
  await fs.rm(big);
  const status = await waitUploaded(a.cacheDir, ROUND_TRIP_LIMIT_MS);
  const uploadSecs = seconds(t0);
  assert.equal(status.uploads.failedFiles, 0, 'the upload did not fail for good');
  await assertOnServer(env, '', [{ rel: 'big.bin', size: BIG_BYTES, sha1 }]);
  assert.equal(await a.stop(), 0, `the daemon exits 0:\n${a.output()}`);

  const b = await fe.start('cache-big-out', BIG_CACHE_ARGS);
  t.after(() => b.crash());
  const t1 = performance.now();
  assert.equal(await fe.fileSha1('big.bin'), sha1, 'what comes out is what went in');
  const outSecs = seconds(t1);
  assert.equal(await b.stop(), 0, b.output());

  figure(t, `${fe.name} ${mib} MiB in (until the client was done)`, mib, inSecs, 'MiB/s');
  figure(t, `${fe.name} ${mib} MiB in (until uploaded)`, mib, uploadSecs, 'MiB/s');
  figure(t, `${fe.name} ${mib} MiB out (fresh cache)`, mib, outSecs, 'MiB/s');
  grants(t, env, granted);
  faultsFired();
}
