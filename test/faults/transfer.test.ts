// Bulk transfers under server faults (5% 5xx, 2% 429, 20 ms latency, dropped transfers, 60 s access
// tokens renewed through the refresh token), through both front-ends as users run them (child
// processes): a 2,000-file tree and one big file (2 GiB; PDSFS_FAULT_BIG_MiB) go in, reach PDS (the
// server's content hashes match, each name once), and come out byte-identical through a fresh
// cache. Figures (MiB/s, files/s) are printed as test diagnostics; no assertion is timed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test, type TestContext } from 'node:test';
import { fuseUnavailable, startMount, stopAll, tempDir } from '../fuse/harness.js';
import {
  BIG_BYTES, curlGetSha1, curlMany, curlPutFile, dav, type FaultyServer, hashTree, makeBigFile, makeTree, MiB, rate, seconds,
  serverTree, sha1sum, startFaultyServer, startServe, TREE_FILES, treeDiff, treeDirs, urlPath, waitUploaded,
} from './support.js';

const run = promisify(execFile);
const LIMIT_MS = 900_000;

/** The server holds exactly these files under `folder`, each name once, with these hashes. */
async function assertOnServer(server: FaultyServer, folder: string, files: { rel: string; size: number; sha1: string }[]): Promise<void> {
  const view = await serverTree(server, folder);
  assert.deepEqual(view.duplicates, [], 'no name is listed twice');
  assert.deepEqual(treeDiff(files, view.files), [], 'the server holds exactly the files sent, with their content');
}

function report(t: TestContext, what: string, value: string, unit: string): void {
  t.diagnostic(`${what}: ${value} ${unit}`);
}

describe('WebDAV (pdsfs serve) under faults', () => {
  let server: FaultyServer;
  let work: string;
  let config: string;
  before(async () => {
    server = await startFaultyServer();
    work = await tempDir('faults-dav');
    config = path.join(work, 'config.json');
    await server.writeConfig(config);
  });
  after(async () => {
    await server?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test(`a ${TREE_FILES}-file tree goes in with PUT and comes out with GET`, { timeout: LIMIT_MS }, async (t) => {
    const src = path.join(work, 'tree-in');
    const files = await makeTree(src, TREE_FILES, 11);
    const bytes = files.reduce((s, f) => s + f.size, 0);

    const a = await startServe(server, config, path.join(work, 'cache-in'));
    t.after(() => a.crash());
    for (const d of ['tree', ...treeDirs().map((x) => `tree/${x}`)]) assert.equal(await dav('MKCOL', `${a.url}${urlPath(d)}/`), 201, `MKCOL ${d}`);
    const t0 = performance.now();
    const puts = await curlMany(files.map((f) => ({ url: a.url + urlPath(`tree/${f.rel}`), upload: path.join(src, f.rel) })), 8, work);
    const putSecs = seconds(t0);
    assert.equal(puts.length, files.length, 'curl reported every transfer');
    assert.deepEqual(puts.filter((p) => p.status !== 201), [], 'every PUT answered 201');
    const status = await waitUploaded(a.cacheDir, LIMIT_MS);
    const uploadSecs = seconds(t0);
    assert.equal(status.uploads.failedFiles, 0, 'no upload failed for good');
    await assertOnServer(server, 'tree', files);
    assert.equal(await a.stop(), 0, `serve drains and exits 0:\n${a.output()}`);

    const b = await startServe(server, config, path.join(work, 'cache-out'));
    t.after(() => b.crash());
    const out = path.join(work, 'tree-out');
    const t1 = performance.now();
    const gets = await curlMany(files.map((f) => ({ url: b.url + urlPath(`tree/${f.rel}`), output: path.join(out, f.rel) })), 8, work);
    const getSecs = seconds(t1);
    assert.deepEqual(gets.filter((g) => g.status !== 200), [], 'every GET answered 200');
    assert.deepEqual(treeDiff(files, await hashTree(out)), [], 'what comes out is what went in');
    assert.equal(await b.stop(), 0);

    report(t, 'WebDAV tree PUT (until 201s)', rate(files.length, putSecs), `files/s (${(bytes / MiB).toFixed(0)} MiB in ${putSecs.toFixed(1)} s)`);
    report(t, 'WebDAV tree PUT (until uploaded)', rate(files.length, uploadSecs), `files/s (${uploadSecs.toFixed(1)} s)`);
    report(t, 'WebDAV tree GET (fresh cache)', rate(files.length, getSecs), `files/s (${getSecs.toFixed(1)} s)`);
    await fs.rm(src, { recursive: true, force: true });
    await fs.rm(out, { recursive: true, force: true });
  });

  test(`a ${BIG_BYTES / MiB} MiB file goes in with PUT and comes out with GET`, { timeout: LIMIT_MS }, async (t) => {
    const big = path.join(work, 'big.bin');
    const sha1 = await makeBigFile(big, BIG_BYTES, 12);

    const a = await startServe(server, config, path.join(work, 'cache-big-in'));
    t.after(() => a.crash());
    const t0 = performance.now();
    assert.equal(await curlPutFile(`${a.url}big.bin`, big), 201);
    const putSecs = seconds(t0);
    await fs.rm(big);
    const status = await waitUploaded(a.cacheDir, LIMIT_MS);
    const uploadSecs = seconds(t0);
    assert.equal(status.uploads.failedFiles, 0);
    const view = await serverTree(server, '');
    assert.deepEqual(view.duplicates, []);
    assert.deepEqual(view.files.get('big.bin'), { size: BIG_BYTES, sha1 }, 'the server holds the file, with its content hash');
    assert.equal(await a.stop(), 0, a.output());

    const b = await startServe(server, config, path.join(work, 'cache-big-out'));
    t.after(() => b.crash());
    const t1 = performance.now();
    const got = await curlGetSha1(`${b.url}big.bin`);
    const getSecs = seconds(t1);
    assert.deepEqual(got, { status: 200, sha1 });
    assert.equal(await b.stop(), 0);

    const mib = BIG_BYTES / MiB;
    report(t, 'WebDAV big PUT (until 201)', rate(mib, putSecs), 'MiB/s');
    report(t, 'WebDAV big PUT (until uploaded)', rate(mib, uploadSecs), `MiB/s (${uploadSecs.toFixed(1)} s)`);
    report(t, 'WebDAV big GET (fresh cache)', rate(mib, getSecs), `MiB/s (${getSecs.toFixed(1)} s)`);
  });
});

describe('FUSE (pdsfs mount) under faults', { skip: fuseUnavailable() }, () => {
  let server: FaultyServer;
  let work: string;
  let config: string;
  let mnt: string;
  /** Mounts the drive at its root with the config file's refresh token, on a cache dir of its own. */
  const mount = (cache: string) =>
    startMount({ endpoint: server.emu.endpoint, accessToken: server.emu.account.access_token, cacheDir: path.join(work, cache) }, mnt, [
      '--drive', server.driveId, '--config', config, '--write-back', '2', '--cache-max-size', '256M',
    ]);
  before(async () => {
    server = await startFaultyServer();
    work = await tempDir('faults-fuse');
    mnt = path.join(work, 'mnt');
    config = path.join(work, 'config.json');
    await server.writeConfig(config);
  });
  after(async () => {
    await stopAll();
    await server?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test(`a ${TREE_FILES}-file tree goes in with rsync and comes out with cp`, { timeout: LIMIT_MS }, async (t) => {
    const src = path.join(work, 'tree-in');
    const files = await makeTree(src, TREE_FILES, 21);
    const bytes = files.reduce((s, f) => s + f.size, 0);

    const a = await mount('cache-in');
    const t0 = performance.now();
    await run('rsync', ['-a', `${src}/`, `${mnt}/tree/`]);
    const inSecs = seconds(t0);
    const status = await waitUploaded(path.join(work, 'cache-in'), LIMIT_MS);
    const uploadSecs = seconds(t0);
    assert.equal(status.uploads.failedFiles, 0);
    await assertOnServer(server, 'tree', files);
    assert.equal(await a.stop(), 0, a.output());

    const b = await mount('cache-out');
    const out = path.join(work, 'tree-out');
    const t1 = performance.now();
    await run('cp', ['-r', `${mnt}/tree`, out]);
    const outSecs = seconds(t1);
    assert.deepEqual(treeDiff(files, await hashTree(out)), [], 'what comes out is what went in');
    assert.equal(await b.stop(), 0);

    report(t, 'FUSE tree rsync in (until it returned)', rate(files.length, inSecs), `files/s (${(bytes / MiB).toFixed(0)} MiB in ${inSecs.toFixed(1)} s)`);
    report(t, 'FUSE tree rsync in (until uploaded)', rate(files.length, uploadSecs), `files/s (${uploadSecs.toFixed(1)} s)`);
    report(t, 'FUSE tree cp out (fresh cache)', rate(files.length, outSecs), `files/s (${outSecs.toFixed(1)} s)`);
    await fs.rm(src, { recursive: true, force: true });
    await fs.rm(out, { recursive: true, force: true });
  });

  test(`a ${BIG_BYTES / MiB} MiB file goes in with cp and is read back`, { timeout: LIMIT_MS }, async (t) => {
    const big = path.join(work, 'big.bin');
    const sha1 = await makeBigFile(big, BIG_BYTES, 22);

    const a = await mount('cache-big-in');
    const t0 = performance.now();
    await run('cp', [big, `${mnt}/big.bin`]);
    const inSecs = seconds(t0);
    await fs.rm(big);
    const status = await waitUploaded(path.join(work, 'cache-big-in'), LIMIT_MS);
    const uploadSecs = seconds(t0);
    assert.equal(status.uploads.failedFiles, 0);
    const view = await serverTree(server, '');
    assert.deepEqual(view.duplicates, []);
    assert.deepEqual(view.files.get('big.bin'), { size: BIG_BYTES, sha1 }, 'the server holds the file, with its content hash');
    assert.equal(await a.stop(), 0, a.output());

    const b = await mount('cache-big-out');
    const t1 = performance.now();
    assert.equal(await sha1sum(`${mnt}/big.bin`), sha1);
    const outSecs = seconds(t1);
    assert.equal(await b.stop(), 0);

    const mib = BIG_BYTES / MiB;
    report(t, 'FUSE big cp in (until close)', rate(mib, inSecs), 'MiB/s');
    report(t, 'FUSE big cp in (until uploaded)', rate(mib, uploadSecs), `MiB/s (${uploadSecs.toFixed(1)} s)`);
    report(t, 'FUSE big read (fresh cache)', rate(mib, outSecs), `MiB/s (${outSecs.toFixed(1)} s)`);
  });
});
