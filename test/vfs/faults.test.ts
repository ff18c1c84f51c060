// The Vfs under server faults, across drives, at the dirty-bytes bound, and when an upload fails for good.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bytes } from '../contract/vfs-scenarios.js';
import { pds } from '../helpers/emulator.js';
import { readFile, type StartedApp, startApp, writeFile } from '../helpers/app.js';

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

describe('Vfs under faults and failures', () => {
  let s: StartedApp;
  before(async () => {
    s = await startApp({ drive: undefined, maxDirtyBytes: 2 * 1024 * 1024 });
  });
  after(() => s.close());
  const drives = () => s.app.volumes.filter((v) => v.kind === 'drive').map((v) => `/drives/${v.dirName}`);

  test('5xx, 429 and dropped connections still give identical bytes', async () => {
    const [d] = drives();
    const data = bytes(5 * 1024 * 1024 + 333, 21);
    const injected = () => Object.values(s.emu.faultsFired).reduce((a, b) => a + b, 0);
    const before = injected();
    // Rates at which the daemon's six attempts a request are all but never used up (1 in 20,000 for a
    // data transfer); the round trip goes again, under a new name, until a fault has fired in one.
    s.emu.setFaults({ rate5xx: 0.1, rate429: 0.05, dropRate: 0.05, retryAfterMs: 10 });
    const names: string[] = [];
    try {
      // About four requests a round trip: five of them left no fault fired about once in a hundred runs.
      for (let i = 0; i < 10 && injected() === before; i++) {
        names.push(`faulty-${i}.bin`);
        await writeFile(s.vfs, `${d}/${names.at(-1)}`, data);
        await s.vfs.drain();
        const back = await readFile(s.vfs, `${d}/${names.at(-1)}`);
        assert.equal(sha1(back), sha1(data));
      }
    } finally {
      s.emu.setFaults({ rate5xx: 0, rate429: 0, dropRate: 0 });
    }
    assert.ok(injected() > before, 'no fault fired in ten round trips');
    const list = await pds(s.endpoint, s.account.access_token, '/v2/file/list', { drive_id: s.account.drive_id, parent_file_id: 'root', limit: 100 });
    const listed = (list.body.items as { name: string }[]).map((f) => f.name);
    for (const name of names) assert.equal(listed.filter((n) => n === name).length, 1, `no duplicate of ${name}`);
  });

  test('rename and copy across drives', async () => {
    const [a, b] = drives();
    assert.ok(b, 'the dev account has a second (team) drive');
    await writeFile(s.vfs, `${a}/travel.txt`, Buffer.from('across drives'));
    await s.vfs.drain();
    await s.vfs.copy(`${a}/travel.txt`, `${b}/copied.txt`);
    await s.vfs.rename(`${a}/travel.txt`, `${b}/moved.txt`);
    await assert.rejects(s.vfs.stat(`${a}/travel.txt`), { code: 'ENOENT' });
    assert.equal((await readFile(s.vfs, `${b}/moved.txt`)).toString(), 'across drives');
    assert.equal((await readFile(s.vfs, `${b}/copied.txt`)).toString(), 'across drives');
    // A pending file moves with its upload.
    await writeFile(s.vfs, `${a}/pending-travel.txt`, Buffer.from('pending across'));
    await s.vfs.rename(`${a}/pending-travel.txt`, `${b}/arrived.txt`);
    await s.vfs.drain();
    assert.equal((await readFile(s.vfs, `${b}/arrived.txt`)).toString(), 'pending across');
  });

  test('writers wait at the dirty-bytes bound and nothing fails', async () => {
    const [d] = drives();
    const files = Array.from({ length: 6 }, (_, i) => bytes(1024 * 1024, 100 + i));
    await Promise.all(files.map((f, i) => writeFile(s.vfs, `${d}/bound-${i}.bin`, f)));
    await s.vfs.drain();
    for (let i = 0; i < files.length; i++) assert.equal(sha1(await readFile(s.vfs, `${d}/bound-${i}.bin`)), sha1(files[i]!));
  });

  test('a permanently failing upload keeps the data in the recovery folder and reports it', async () => {
    const [d] = drives();
    await s.vfs.mkdir(`${d}/vanishing`);
    const h = await s.vfs.open(`${d}/vanishing/orphan.txt`, { read: true, write: true, create: true });
    await h.write(Buffer.from('precious'), 0, 8);
    await h.flush();
    // Another client deletes the folder before the upload: the upload can never succeed.
    const dir = await pds(s.endpoint, s.account.access_token, '/v2/file/get_by_path', { drive_id: s.account.drive_id, file_path: '/vanishing' });
    await pds(s.endpoint, s.account.access_token, '/v2/file/delete', { drive_id: s.account.drive_id, file_id: dir.body.file_id });
    await h.release();
    await s.vfs.drain();
    assert.equal(s.admin.status().failedFiles, 1);
    const recovery = (await fs.readdir(s.cacheDir, { recursive: true })).filter((f) => f.includes('recovery') && f.endsWith('orphan.txt'));
    assert.equal(recovery.length, 1);
    assert.equal(await fs.readFile(path.join(s.cacheDir, recovery[0]!), 'utf8'), 'precious');
  });
});
