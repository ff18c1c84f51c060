// The views through a real FUSE mount (--drive with --show-views): a deleted file in trash/ and
// restored by mv, purged by rm; three versions of a file, byte-exact, one copied back out; search/;
// star through setxattr → starred/; and the read-only refusals (EROFS).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { type FuseFixture, startFixture } from '../fuse/fixture.js';
import { eventually, fuseUnavailable, getXattr, python3 } from '../fuse/harness.js';
import { jpegWithExif } from '../helpers/exif-images.js';

const run = promisify(execFile);
const code = (err: unknown) => (err as NodeJS.ErrnoException).code;
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase();

async function setXattr(file: string, name: string, value: string): Promise<void> {
  await run(await python3(), ['-c', 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())', file, name, value]);
}

describe('views on a FUSE mount', { skip: fuseUnavailable() }, () => {
  let fx: FuseFixture;
  let m: string;
  /** Writes a file and waits until this content is on the server. */
  const put = async (name: string, text: string) => {
    await fs.writeFile(`${m}/${name}`, text);
    await eventually(async () => (await getXattr(`${m}/${name}`, 'user.pds.content_hash')) === sha1(text), `upload of ${name}`);
  };
  before(async () => {
    fx = await startFixture(['--show-views', '--write-back', '0']);
    m = fx.mnt;
  });
  after(() => fx?.close());

  test('the drive root shows the views with --show-views', async () => {
    const names = await fs.readdir(m);
    for (const v of ['photos', 'search', 'starred', 'trash', 'versions']) assert.ok(names.includes(v), v);
    assert.deepEqual(await fs.readdir(`${m}/trash`), ['My Drive']);
  });

  test('rm puts a file in trash/; mv restores it; rm inside trash/ purges', async () => {
    await put('gone.txt', 'deleted content\n');
    await put('purge.txt', 'purged\n');
    await fs.rm(`${m}/gone.txt`);
    await fs.rm(`${m}/purge.txt`);
    assert.deepEqual((await fs.readdir(`${m}/trash/My Drive`)).sort(), ['gone.txt', 'purge.txt']);
    assert.equal((await fs.stat(`${m}/trash/My Drive/gone.txt`)).size, 16);
    await fs.rename(`${m}/trash/My Drive/gone.txt`, `${m}/back.txt`);
    assert.equal(await fs.readFile(`${m}/back.txt`, 'utf8'), 'deleted content\n');
    await fs.rm(`${m}/trash/My Drive/purge.txt`);
    assert.deepEqual(await fs.readdir(`${m}/trash/My Drive`), []);
  });

  test('a file replaced twice has three byte-exact versions; cp brings one back', async () => {
    const texts = ['first version\n', 'second, longer version\n', 'third\n'];
    for (const t of texts) await put('doc.txt', t);
    const dir = `${m}/versions/My Drive/doc.txt`;
    const revs = await fs.readdir(dir);
    assert.equal(revs.length, 3);
    const contents = await Promise.all(revs.map((r) => fs.readFile(`${dir}/${r}`, 'utf8')));
    assert.deepEqual([...contents].sort(), [...texts].sort());
    await run('cp', [`${dir}/${revs[contents.indexOf(texts[0]!)]}`, `${m}/doc-v1.txt`]);
    assert.equal(await fs.readFile(`${m}/doc-v1.txt`, 'utf8'), texts[0]);
  });

  test('search/<query>/ finds by name; setxattr user.pds.starred puts a file in starred/', async () => {
    await put('needle-notes.txt', 'found\n');
    assert.deepEqual(await fs.readdir(`${m}/search/needle`), ['needle-notes.txt']);
    assert.equal(await fs.readFile(`${m}/search/needle/needle-notes.txt`, 'utf8'), 'found\n');
    await setXattr(`${m}/needle-notes.txt`, 'user.pds.starred', '1');
    await setXattr(`${m}/needle-notes.txt`, 'user.pds.labels', 'work, urgent');
    assert.deepEqual(await fs.readdir(`${m}/starred`), ['needle-notes.txt']);
    assert.equal(await getXattr(`${m}/needle-notes.txt`, 'user.pds.starred'), '1');
    assert.equal(await getXattr(`${m}/starred/needle-notes.txt`, 'user.pds.labels'), 'work,urgent');
    await assert.rejects(setXattr(`${m}/needle-notes.txt`, 'user.pds.starred', 'maybe'), /Invalid argument/);
  });

  test('an image with EXIF shows in photos/<drive>/YYYY/MM/ and has user.pds.taken_at', async () => {
    const photo = jpegWithExif({ taken: '2023:12:31 23:59:58', latitude: -33.8568, longitude: 151.2153 });
    await fs.writeFile(`${m}/photo.jpg`, photo);
    await eventually(async () => (await getXattr(`${m}/photo.jpg`, 'user.pds.pending')) === '0', 'upload of photo.jpg');
    assert.deepEqual(await fs.readdir(`${m}/photos/My Drive/2023/12`), ['photo.jpg']);
    assert.deepEqual(await fs.readFile(`${m}/photos/My Drive/2023/12/photo.jpg`), photo);
    assert.equal(await getXattr(`${m}/photo.jpg`, 'user.pds.taken_at'), '2023-12-31T23:59:58.000Z');
    assert.equal(await getXattr(`${m}/photos/My Drive/2023/12/photo.jpg`, 'user.pds.location'), '-33.856800,151.215300');
    await assert.rejects(setXattr(`${m}/photo.jpg`, 'user.pds.taken_at', '2020-01-01T00:00:00Z'), /Operation not permitted/);
  });

  test('writes into views are refused with EROFS', async () => {
    await assert.rejects(fs.mkdir(`${m}/trash/My Drive/new`), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.writeFile(`${m}/starred/new.txt`, 'x'), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.appendFile(`${m}/search/needle/needle-notes.txt`, 'x'), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.rename(`${m}/doc.txt`, `${m}/trash/My Drive/doc.txt`), (e) => code(e) === 'EROFS');
    const rev = (await fs.readdir(`${m}/versions/My Drive/doc.txt`))[0]!;
    await assert.rejects(fs.rm(`${m}/versions/My Drive/doc.txt/${rev}`), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.rm(`${m}/search/needle/needle-notes.txt`), (e) => code(e) === 'EROFS');
    // The POSIX attributes of the mount (chmod, chown, touch, symlink) are refused there too.
    await assert.rejects(fs.chmod(`${m}/search/needle/needle-notes.txt`, 0o600), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.chown(`${m}/versions/My Drive/doc.txt/${rev}`, 1, 1), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.utimes(`${m}/search/needle/needle-notes.txt`, 1, 1), (e) => code(e) === 'EROFS');
    await assert.rejects(fs.symlink('doc.txt', `${m}/starred/link`), (e) => code(e) === 'EROFS');
    assert.equal(await fs.readFile(`${m}/needle-notes.txt`, 'utf8'), 'found\n', 'nothing changed');
  });
});
