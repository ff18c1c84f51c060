// A full cache disk: the cache dir sits on a 64 MiB tmpfs and writes go in until it is full. Uploads
// wait (long write-back delay, as with a network slower than the writer), so the staged files are
// what fills the disk; one FUSE run lets uploads run meanwhile over a capped link. Through
// WebDAV the PUT that does not fit gets 507 and leaves nothing behind; through FUSE the write (or
// close) fails with ENOSPC. Either way the daemon keeps answering, what was accepted before reads
// back intact and reaches PDS after draining (checked through the PDS API), and deleting a file
// makes room for writes again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import type { PdsClient } from '../../src/pds/client.js';
import { connectPds } from '../../src/pds/connect.js';
import { bytes } from '../contract/vfs-scenarios.js';
import { fuseUnavailable, sleep, startMount, stopAll, tempDir } from '../fuse/harness.js';
import { startEmulator } from '../helpers/emulator.js';
import { serve } from '../webdav/harness.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 8 * MiB;
/** More than fits on the 64 MiB disk: the loop must hit the limit before it runs out. */
const MAX_FILES = 16;
/**
 * The upload link while the disk fills with uploads running: 8 uploads at once drain at most 2 MiB/s,
 * far less than even a loaded machine writes through FUSE, so the disk fills after a few files
 * however busy the machine is (a faster link let the uploads keep pace for dozens of files).
 */
const FILL_LINK = { netRatePerConnection: 256 * 1024 };

// Mounted at load time, so that a machine without tmpfs rights skips with the reason.
const disk = mkdtempSync(path.join(os.tmpdir(), 'pdsfs-fulldisk-'));
const noTmpfs = mountTmpfs(disk);

function mountTmpfs(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs for the cache dir (needs root): ${(err as Error).message.split('\n')[0]}`;
  }
}

after(async () => {
  await stopAll();
  if (!noTmpfs) execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
  await fs.rm(disk, { recursive: true, force: true });
});

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/** Name → lowercase sha1 of the files in one folder of the drive, as the PDS API lists them. */
async function serverFiles(api: PdsClient, driveId: string, folder: string): Promise<Map<string, string>> {
  const { file_id } = await api.files.getByPath({ drive_id: driveId, file_path: `/${folder}` });
  const out = new Map<string, string>();
  for await (const f of api.files.iterate({ drive_id: driveId, parent_file_id: file_id, limit: 100, fields: '*' })) {
    out.set(f.name, (f.content_hash ?? '').toLowerCase());
  }
  return out;
}

const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => a.localeCompare(b));

test('WebDAV: the PUT that does not fit gets 507; accepted files stay intact and are uploaded; a DELETE makes room', { skip: noTmpfs ?? false, timeout: 120_000 }, async (t) => {
  const s = await serve({ cacheDir: path.join(disk, 'webdav'), writeBackMs: 3_600_000 });
  try {
    const dir = s.href(`${s.drivePath}/full`);
    assert.equal((await s.request('MKCOL', dir)).status, 201);
    const accepted = new Map<string, Buffer>();
    let refused: { name: string; status: number; text: string } | undefined;
    for (let i = 0; i < MAX_FILES && !refused; i++) {
      const name = `f${i}.bin`;
      const data = bytes(FILE_BYTES, i + 1);
      // Every other body comes chunked without a length, as Finder sends it.
      const headers = i % 2 ? { 'transfer-encoding': 'chunked' } : undefined;
      const r = await s.request('PUT', `${dir}/${name}`, { body: data, ...(headers ? { headers } : {}) });
      if (r.status === 201) accepted.set(name, data);
      else refused = { name, status: r.status, text: r.text };
    }
    assert.ok(refused, `${MAX_FILES} files of 8 MiB were all accepted on a 64 MiB cache disk`);
    t.diagnostic(`${accepted.size} PUTs of 8 MiB accepted, then ${refused.status}: ${refused.text.trim()}`);
    assert.equal(refused.status, 507, `the PUT that did not fit: ${refused.status} ${refused.text}`);
    assert.match(refused.text, /storage|full/i);
    assert.ok(accepted.size >= 4, `only ${accepted.size} files fitted`);

    // Still full: another big PUT (chunked) is refused the same way; a small one still fits.
    const again = await s.request('PUT', `${dir}/too-big.bin`, { body: bytes(FILE_BYTES, 99), headers: { 'transfer-encoding': 'chunked' } });
    assert.equal(again.status, 507);
    const small = bytes(64 * 1024, 98);
    assert.equal((await s.request('PUT', `${dir}/small.bin`, { body: small })).status, 201);
    accepted.set('small.bin', small);

    // The daemon answers, lists exactly what was accepted (nothing half-written), and reads it back intact.
    const listing = await s.request('PROPFIND', `${dir}/`, { headers: { depth: '1' } });
    assert.equal(listing.status, 207);
    const listed = [...listing.text.matchAll(/<D:href>[^<]*\/full\/([^<]+)<\/D:href>/g)].map((m) => decodeURIComponent(m[1]!)).sort();
    assert.deepEqual(listed, [...accepted.keys()].sort());
    assert.equal((await s.request('GET', `${dir}/${refused.name}`)).status, 404);
    for (const [name, data] of accepted) {
      const r = await s.request('GET', `${dir}/${name}`);
      assert.equal(r.status, 200, name);
      assert.equal(sha1(r.body), sha1(data), `${name} reads back intact`);
    }

    // Deleting a file that is not uploaded yet frees its room: the next big PUT fits.
    assert.equal((await s.request('DELETE', `${dir}/f0.bin`)).status, 204);
    accepted.delete('f0.bin');
    const replacement = bytes(FILE_BYTES, 97);
    assert.equal((await s.request('PUT', `${dir}/after-delete.bin`, { body: replacement })).status, 201);
    accepted.set('after-delete.bin', replacement);

    // Drained, every accepted file is on the server with its content; nothing else is.
    await s.started.vfs.drain();
    assert.equal(s.started.admin.status().failedFiles, 0, 'no upload failed');
    const onServer = await serverFiles(s.started.app.client, s.started.account.drive_id, `full`);
    assert.deepEqual(sorted(onServer), sorted(new Map([...accepted].map(([n, d]) => [n, sha1(d)]))));

    // Uploaded files leave the cache disk: big PUTs fit again.
    assert.equal((await s.request('PUT', `${dir}/after-drain.bin`, { body: bytes(FILE_BYTES, 96) })).status, 201);
  } finally {
    await s.close();
  }
});

/** FUSE: fill the cache disk through the mount, then free room and drain; `busy` lets uploads run meanwhile. */
async function fuseFullDisk(t: TestContext, busy: boolean): Promise<void> {
  // With uploads running, their link is capped so that the writer outruns them.
  const emu = await startEmulator(busy ? { faults: FILL_LINK } : {});
  const api = connectPds({ endpoint: emu.endpoint, accessToken: emu.account.access_token });
  const work = await tempDir('fulldisk-fuse');
  try {
    const source = { endpoint: emu.endpoint, accessToken: emu.account.access_token, cacheDir: path.join(disk, busy ? 'fuse-busy' : 'fuse') };
    const mount = await startMount(source, path.join(work, 'mnt'), ['--drive', emu.account.drive_id, '--write-back', busy ? '0' : '3600']);
    const dir = path.join(mount.mnt, 'full');
    await fs.mkdir(dir);
    const committed = new Map<string, Buffer>();
    let failed: { name: string; step: 'write' | 'close'; code: string } | undefined;
    for (let i = 0; i < MAX_FILES * (busy ? 2 : 1) && !failed; i++) {
      const name = `f${i}.bin`;
      const data = bytes(FILE_BYTES, i + 1);
      const fh = await fs.open(path.join(dir, name), 'w');
      let step: 'write' | 'close' = 'write';
      try {
        await fh.writeFile(data);
        step = 'close';
        await fh.close();
        committed.set(name, data);
      } catch (err) {
        failed = { name, step, code: (err as NodeJS.ErrnoException).code ?? String(err) };
        if (step === 'write') await fh.close().catch(() => undefined);
      }
    }
    assert.ok(failed, `all files were written without filling the 64 MiB cache disk`);
    t.diagnostic(`${committed.size} files of 8 MiB committed, then ${failed.step} failed with ${failed.code}`);
    assert.equal(failed.code, 'ENOSPC', `${failed.step} of ${failed.name}`);
    assert.ok(committed.size >= 4, `only ${committed.size} files fitted`);

    const want = () => new Map([...committed].map(([n, d]) => [n, sha1(d)]));
    if (busy) {
      // The uploads in flight end against a full disk: the daemon must live through that and finish
      // them, now at full speed (the read-back below fetches them back from the server). Writes are
      // answered before they land (write-behind), so the disk may fill before the first upload's
      // bytes cross the capped link: they must arrive while it is still full.
      for (const until = Date.now() + 10_000; emu.emu.stats.bytesUploaded === 0 && Date.now() < until; ) await sleep(100);
      assert.ok(emu.emu.stats.bytesUploaded > 0, 'no upload ran against the full disk');
      emu.emu.setFaults({ netRatePerConnection: 0 });
      const until = Date.now() + 60_000;
      for (let done = false; !done; await sleep(200)) {
        assert.equal(mount.child.exitCode ?? mount.child.signalCode, null, `the mount process died:\n${mount.output().slice(-3000)}`);
        const onServer = await serverFiles(api, emu.account.drive_id, 'full');
        done = [...want()].every(([n, h]) => onServer.get(n) === h);
        assert.ok(done || Date.now() < until, `committed files still not uploaded after 60 s:\n${mount.output().slice(-3000)}`);
      }
    }

    // The mount answers and the committed files read back intact.
    assert.equal(mount.child.exitCode, null, 'the mount process is still running');
    assert.ok((await fs.readdir(dir)).includes(failed.name));
    for (const [name, data] of committed) assert.equal(sha1(await fs.readFile(path.join(dir, name))), sha1(data), `${name} reads back intact`);

    // Removing the partly written file frees its room: the next file fits.
    await fs.unlink(path.join(dir, failed.name));
    const replacement = bytes(4 * MiB, 97);
    await fs.writeFile(path.join(dir, 'after-unlink.bin'), replacement);
    committed.set('after-unlink.bin', replacement);
    if (busy) {
      // Uploaded, the files left only cached copies (of the read-back) on the cache disk, and those
      // give way to what the user writes: a file of 24 MiB fits on the 64 MiB disk.
      const big = bytes(3 * FILE_BYTES, 95);
      await fs.writeFile(path.join(dir, 'after-upload.bin'), big);
      committed.set('after-upload.bin', big);
    }

    // Stopping drains the uploads: every committed file is on the server with its content, and nothing else.
    assert.equal(await mount.stop(), 0, mount.output());
    assert.deepEqual(sorted(await serverFiles(api, emu.account.drive_id, 'full')), sorted(want()));
  } finally {
    await stopAll();
    // A mount process that died leaves its mount point behind.
    try {
      execFileSync('fusermount', ['-uz', path.join(work, 'mnt')], { stdio: 'ignore' });
    } catch {
      // not mounted
    }
    api.close();
    await emu.close();
    await fs.rm(work, { recursive: true, force: true });
  }
}

const fuseSkip = noTmpfs ?? fuseUnavailable() ?? false;

test('FUSE: writes fail with ENOSPC; committed files stay intact and are uploaded; unlinking makes room', { skip: fuseSkip, timeout: 120_000 }, (t) => fuseFullDisk(t, false));

test('FUSE: the disk fills while uploads run; the daemon lives on and uploads everything committed', { skip: fuseSkip, timeout: 120_000 }, (t) => fuseFullDisk(t, true));
