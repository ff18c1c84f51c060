// A share link as a directory under shares/: named by its share_name (made filesystem-safe), listed
// and read exactly like the drive it comes from (ranges, multi-block content byte for byte),
// read-only, paged beyond 100 entries, surviving a share-token refusal in the middle of a listing,
// and saved into a drive server-side (no download).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ShareRemote } from '../../src/pds/share-remote.js';
import { ShareTokenCache } from '../../src/pds/share-tokens.js';
import type { ShareTokenResponse } from '../../src/pds/wire-types.js';
import { bytes } from '../contract/vfs-scenarios.js';
import { readFile, startApp, writeFile } from '../helpers/app.js';
import { manyFolders, mkdir, MY_DRIVE, rejectsWith, share, sleepUntil, upload } from './support.js';

// No listing prefetch: the paging tests below count the list calls of one folder.
const s = await startApp({ blockSize: 256 * 1024, listPrefetch: 0 });
after(() => s.close());

const BIG = bytes(1024 * 1024 + 12_345, 7); // five blocks, the last one partial
const SHARE_DIR = '/shares/Holiday _ 2024';
let shareId = '';

before(async () => {
  const { client } = s.app;
  const drive = s.account.drive_id;
  const album = await mkdir(client, drive, 'root', 'album');
  await upload(client, drive, album, 'big.bin', BIG);
  await upload(client, drive, album, 'small.txt', Buffer.from('small file\n'));
  const sub = await mkdir(client, drive, album, 'sub');
  await upload(client, drive, sub, 'deep.txt', Buffer.from('deep inside\n'));
  const many = await mkdir(client, drive, 'root', 'many');
  await manyFolders(client, drive, many, 205);
  const top = await upload(client, drive, 'root', 'top.txt', Buffer.from('top level\n'));
  const link = await share(client, drive, [album, many, top], { share_pwd: 'pw1', share_name: 'Holiday / 2024' });
  shareId = link.share_id;
  await s.restart({ shares: [`${shareId}:pw1`] });
});

const names = async (p: string) => (await s.vfs.readdir(p)).map((n) => n.name).sort();
const listCalls = () => s.emu.stats.requests['/v2/file/list'] ?? 0;
const downloads = () => s.emu.stats.requests['GET data'] ?? 0;

test('the share is a directory under shares/, named by its share_name made filesystem-safe', async () => {
  assert.deepEqual(await names('/'), ['drives', 'photos', 'search', 'shares', 'starred', 'trash', 'versions']);
  assert.deepEqual(await names('/shares'), ['Holiday _ 2024']);
  assert.deepEqual(await names(SHARE_DIR), ['album', 'many', 'top.txt']);
  const info = await s.vfs.stat(SHARE_DIR);
  assert.equal(info.kind, 'dir');
});

test('a shared folder lists like the drive folder it is', async () => {
  const describe = async (p: string) => (await s.vfs.readdir(p)).map((n) => [n.name, n.kind, n.size, n.mtime, n.contentHash]).sort();
  assert.deepEqual(await describe(`${SHARE_DIR}/album`), await describe(`${MY_DRIVE}/album`));
  assert.deepEqual(await describe(`${SHARE_DIR}/album/sub`), await describe(`${MY_DRIVE}/album/sub`));
  assert.equal((await s.vfs.stat(`${SHARE_DIR}/album/big.bin`)).size, BIG.length);
});

// Before any read of the share: read-ahead of a read could still be downloading during the copy.
test('saving into a drive is a server-side copy: nothing is downloaded, the content is identical', async () => {
  const before = downloads();
  await s.vfs.copy(`${SHARE_DIR}/album/big.bin`, `${MY_DRIVE}/saved-big.bin`);
  await s.vfs.copy(`${SHARE_DIR}/album`, `${MY_DRIVE}/saved-album`);
  assert.equal(downloads(), before, 'no GET of file data during the copies');
  assert.equal((await s.vfs.stat(`${MY_DRIVE}/saved-big.bin`)).contentHash, (await s.vfs.stat(`${SHARE_DIR}/album/big.bin`)).contentHash);
  assert.deepEqual(await names(`${MY_DRIVE}/saved-album`), ['big.bin', 'small.txt', 'sub']);
  assert.deepEqual(await names(`${MY_DRIVE}/saved-album/sub`), ['deep.txt']);
  assert.ok(BIG.equals(await readFile(s.vfs, `${MY_DRIVE}/saved-big.bin`)));
  assert.equal((await readFile(s.vfs, `${MY_DRIVE}/saved-album/sub/deep.txt`)).toString(), 'deep inside\n');
});

test('reads whole files and ranges byte for byte, across block boundaries', async () => {
  assert.ok(BIG.equals(await readFile(s.vfs, `${SHARE_DIR}/album/big.bin`, 100_000)));
  assert.equal((await readFile(s.vfs, `${SHARE_DIR}/top.txt`)).toString(), 'top level\n');
  assert.equal((await readFile(s.vfs, `${SHARE_DIR}/album/sub/deep.txt`)).toString(), 'deep inside\n');
  const h = await s.vfs.open(`${SHARE_DIR}/album/big.bin`, { read: true, write: false });
  try {
    const block = 256 * 1024;
    for (const [at, len] of [[block - 10, 20], [3 * block + 1, 2 * block], [BIG.length - 5, 100], [0, 1], [2 * block, block]] as const) {
      const buf = Buffer.alloc(len);
      const n = await h.read(buf, at, len);
      assert.equal(n, Math.min(len, BIG.length - at), `bytes at ${at}`);
      assert.ok(buf.subarray(0, n).equals(BIG.subarray(at, at + n)), `content at ${at}`);
    }
    assert.equal(await h.read(Buffer.alloc(10), BIG.length, 10), 0);
  } finally {
    await h.release();
  }
});

test('read-only: writes, new names, renames, removals and times answer EROFS', async () => {
  await rejectsWith(writeFile(s.vfs, `${SHARE_DIR}/album/new.txt`, Buffer.from('x')), 'EROFS');
  await rejectsWith(s.vfs.open(`${SHARE_DIR}/album/small.txt`, { read: true, write: true }), 'EROFS');
  await rejectsWith(s.vfs.mkdir(`${SHARE_DIR}/album/newdir`), 'EROFS');
  await rejectsWith(s.vfs.rename(`${SHARE_DIR}/album/small.txt`, `${SHARE_DIR}/album/renamed.txt`), 'EROFS');
  await rejectsWith(s.vfs.remove(`${SHARE_DIR}/album/small.txt`), 'EROFS');
  await rejectsWith(s.vfs.setMtime(`${SHARE_DIR}/album/small.txt`, Date.now()), 'EROFS');
  assert.equal((await s.vfs.stat(`${SHARE_DIR}/album/small.txt`)).readOnly, true);
  assert.deepEqual(await names(`${SHARE_DIR}/album`), ['big.bin', 'small.txt', 'sub']);
});

test('a shared folder of 205 entries is listed in pages of 100', async () => {
  const calls = listCalls();
  const listed = await names(`${SHARE_DIR}/many`);
  assert.equal(listed.length, 205);
  assert.deepEqual(listed, Array.from({ length: 205 }, (_, i) => `e${String(i).padStart(3, '0')}`));
  assert.equal(listCalls() - calls, 3);
});

test('a share token that expires in the middle of a listing is fetched again and the listing completes', async () => {
  const { client } = s.app;
  const remote = s.app.volumes.find((v) => v.id === `share:${shareId}`)?.remote;
  assert.ok(remote instanceof ShareRemote);
  const manyId = (await s.admin.locate(`${SHARE_DIR}/many`)).id;
  // The first token lives one second but is believed for an hour, so only the server's refusal renews it.
  const issued: ShareTokenResponse[] = [];
  const tokens = new ShareTokenCache(async (id, pwd) => {
    const t = await client.shareLinks.getShareToken({ share_id: id, ...(pwd ? { share_pwd: pwd } : {}), ...(issued.length === 0 ? { expire_sec: 1 } : {}) });
    issued.push(t);
    return { ...t, expires_in: 3600 };
  });
  tokens.setPassword(shareId, 'pw1');
  client.http.useShareTokens(tokens);
  try {
    const calls = listCalls();
    const seen: string[] = [];
    for await (const e of remote.list(manyId)) {
      seen.push(e.name);
      // Page one is in; the next entry needs page two: let the token expire first.
      if (seen.length === 100) await sleepUntil(Date.parse(issued[0]!.expire_time) + 50);
    }
    assert.equal(seen.length, 205);
    assert.equal(new Set(seen).size, 205);
    assert.equal(issued.length, 2, 'the refused token was replaced once');
    assert.equal(listCalls() - calls, 4, 'three pages and the one refused');
  } finally {
    client.http.useShareTokens(client.shareTokens);
  }
});
