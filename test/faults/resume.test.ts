// kill -9 of the daemon while a big upload is in flight, under the suite's server faults: the files
// the client was told were written (PUT answered 201, cp returned) all reach PDS after a restart on
// the same cache dir, once each and byte-identical, and the big upload resumes from the parts the
// server already holds instead of starting over (counted by the server: bytes received after the
// restart are fewer than the file's size, though at least half of it was sent before the kill).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fuseUnavailable } from '../fuse/harness.js';
import { type FaultEnv, type FrontEnd, fuse, useFaultEnv, webdav } from './front-ends.js';
import { assertOnServer } from './round-trip.js';
import { daemonStatus, makeBigFile, makeTree, MiB, waitUploaded, waitUploadProgress } from './support.js';

const SIZE = 128 * MiB;
/**
 * Bytes per second per connection, on top of the suite's faults: with 8 parts at once the upload's
 * second half takes about 4 s on any machine, so it is surely in flight at the kill (it was made
 * so by a 512 MiB file before, which cost four times the CPU).
 */
const LINK_RATE = 2 * MiB;
const SMALL_FILES = 20;
const LIMIT_MS = 300_000;
/**
 * Long enough that the small files are still waiting for their upload when the daemon is killed,
 * also on a loaded machine (with 5 s, writing them and asking for the status took longer twice).
 */
const DAEMON_ARGS = ['--write-back', '20'];

const env = useFaultEnv('resume');

async function killDuringUpload(t: TestContext, env: FaultEnv, fe: FrontEnd, folder: string, seed: number): Promise<void> {
  const bigFile = path.join(env.work, `${folder}.bin`);
  const sha1 = await makeBigFile(bigFile, SIZE, seed);
  const smallDir = path.join(env.work, `${folder}-small`);
  const small = await makeTree(smallDir, SMALL_FILES, seed + 1);
  const received = () => env.server.emu.emu.stats.bytesUploaded;
  env.server.emu.emu.setFaults({ netRatePerConnection: LINK_RATE });

  const a = await fe.start(`cache-${folder}`, DAEMON_ARGS);
  t.after(() => a.crash());
  await fe.mkdir(folder);
  // Folders are made on the server at once; made first, they leave only local work between the
  // big upload's halfway mark and the kill, so that upload is surely still in flight then.
  await fe.treeFolders(`${folder}/small`);
  await fe.fileIn(bigFile, `${folder}/big.bin`);
  const sentBefore = await waitUploadProgress(a.cacheDir, SIZE / 2, LIMIT_MS);
  await fe.treeIn(smallDir, small, `${folder}/small`);
  assert.equal((await daemonStatus(a.cacheDir)).uploads.pendingFiles, SMALL_FILES + 1, 'every file is still pending at the kill');
  await a.crash();
  const receivedAtKill = received();

  const b = await fe.start(`cache-${folder}`, DAEMON_ARGS);
  t.after(() => b.crash());
  await waitUploaded(b.cacheDir, LIMIT_MS);
  const receivedAfter = received() - receivedAtKill;
  assert.equal(await b.stop(), 0, b.output());

  await assertOnServer(env, folder, [{ rel: 'big.bin', size: SIZE, sha1 }, ...small.map((f) => ({ ...f, rel: `small/${f.rel}` }))]);
  assert.ok(receivedAfter < SIZE, `resumed, not restarted: ${receivedAfter} bytes received after the restart for a ${SIZE}-byte file`);
  t.diagnostic(`${fe.name}: sent before kill -9 ${(sentBefore / MiB).toFixed(0)} MiB; received after restart ${(receivedAfter / MiB).toFixed(0)} MiB of ${SIZE / MiB} MiB`);
}

test('pdsfs serve killed while uploading a PUT file: the restart resumes it, nothing is lost', { timeout: LIMIT_MS }, (t) =>
  killDuringUpload(t, env, webdav(env), 'dav', 41));

test('pdsfs mount killed while uploading a copied file: the restart resumes it, nothing is lost', { skip: fuseUnavailable(), timeout: LIMIT_MS }, (t) =>
  killDuringUpload(t, env, fuse(env), 'fuse', 51));
