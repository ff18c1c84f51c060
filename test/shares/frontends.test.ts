// One share link through both front-ends at once: `pdsfs mount` (a child process, FUSE, read with
// node:fs) and the WebDAV server (in process, walked with PROPFIND Depth 1 by the `webdav` client
// library and read with GET). Both show the same paths, sizes and bytes, equal to what the server
// holds; a Range GET and a positioned read agree; changes are refused and change nothing. Also
// through both: a WebDAV COPY out of the share is server-side, the share token is renewed ahead of
// its end while served, a wrong password answers EACCES/403 with a start-up line, and a share that
// expires while mounted turns EACCES/403 with a log line.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, type FileStat } from 'webdav';
import { ShareTokenCache } from '../../src/pds/share-tokens.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createWebDavServer, type WebDavServer } from '../../src/webdav/server.js';
import { bytes } from '../contract/vfs-scenarios.js';
import { startApp } from '../helpers/app.js';
import { fuseUnavailable, getXattr, type MountProcess, startMount, stopAll, tempDir } from '../fuse/harness.js';
import { AUTH, PASSWORD, USER } from '../webdav/harness.js';
import { mkdir, share, sleepUntil, upload } from './support.js';

const MiB = 1024 * 1024;
const BLOCK = MiB;
const NO_FUSE = fuseUnavailable();

const s = await startApp({ blockSize: BLOCK });
const work = await tempDir('share-frontends');
let dav: WebDavServer | undefined;
let mount: MountProcess | undefined;
after(async () => {
  await stopAll();
  await dav?.close();
  await s.close();
  await fs.rm(work, { recursive: true, force: true });
});

/** Share-relative path → content ('' marks a folder). More than one upload part (8 MiB) for big.bin. */
const TREE = new Map<string, Buffer | ''>([
  ['top.txt', Buffer.from('top level\n')],
  ['tree', ''],
  ['tree/empty.txt', Buffer.alloc(0)],
  ['tree/one.bin', Buffer.from([0xff])],
  ['tree/a b.txt', Buffer.from('with a space\n')],
  ['tree/été 100% #1.txt', Buffer.from('escaped in URLs\n')],
  ['tree/mid.bin', bytes(300_000, 2)],
  ['tree/block.bin', bytes(BLOCK, 3)],
  ['tree/big.bin', bytes(9 * MiB + 12_345, 4)],
  ['tree/nested', ''],
  ['tree/nested/empty-dir', ''],
  ['tree/nested/level1', ''],
  ['tree/nested/level1/x.txt', Buffer.from('x\n')],
  ['tree/nested/level1/level2', ''],
  ['tree/nested/level1/level2/deep.bin', bytes(70_000, 5)],
  ['tree/many', ''],
  ...Array.from({ length: 120 }, (_, i) => [`tree/many/f${String(i).padStart(3, '0')}.txt`, Buffer.from(`file number ${i}\n`)] as const),
]);
const BIG = TREE.get('tree/big.bin') as Buffer;
const SHARE_NAME = 'Été & Co / 2024';
const SHARE_DIR = 'shares/Été & Co _ 2024';

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const fileLine = (size: number, read: Buffer) => `file size=${size} read=${read.length} sha1=${sha1(read)}`;
/** What each front-end must show: a line per path. */
const EXPECTED = new Map([...TREE].map(([p, c]) => [p, c === '' ? 'dir' : fileLine(c.length, c)]));

const ids: Record<string, string> = {};
const listCalls = () => s.emu.stats.requests['/v2/file/list'] ?? 0;
const downloads = () => s.emu.stats.requests['GET data'] ?? 0;

before(async () => {
  const { client } = s.app;
  const drive = s.account.drive_id;
  const idOf = new Map<string, string>([['', 'root']]);
  for (const [p, content] of TREE) {
    const parent = idOf.get(path.posix.dirname(p) === '.' ? '' : path.posix.dirname(p))!;
    const name = path.posix.basename(p);
    if (content === '') idOf.set(p, await mkdir(client, drive, parent, name));
    else if (!p.startsWith('tree/many/')) idOf.set(p, await upload(client, drive, parent, name, content));
  }
  const many = [...TREE].filter(([p]) => p.startsWith('tree/many/'));
  for (let i = 0; i < many.length; i += 20) {
    await Promise.all(many.slice(i, i + 20).map(([p, c]) => upload(client, drive, idOf.get('tree/many')!, path.posix.basename(p), c as Buffer)));
  }
  ids.main = (await share(client, drive, [idOf.get('tree')!, idOf.get('top.txt')!], { share_name: SHARE_NAME, share_pwd: 'pw-1' })).share_id;
  ids.locked = (await share(client, drive, [idOf.get('top.txt')!], { share_name: 'locked', share_pwd: 'right' })).share_id;
  const brief = await mkdir(client, drive, 'root', 'brief');
  for (const n of ['a.txt', 'b.txt', 'c.txt']) await upload(client, drive, brief, n, Buffer.from(`${n}\n`));
  ids.brief = (await share(client, drive, [brief], { share_name: 'brief', expiration: new Date(Date.now() + 3_600_000).toISOString() })).share_id;
  const shares = [`${ids.main}:pw-1`, `${ids.locked}:wrong`, ids.brief];

  await s.restart({ shares });
  dav = await createWebDavServer({ vfs: s.vfs, port: 0, auth: { user: USER, password: PASSWORD }, stateDir: path.join(work, 'webdav'), logger: silentLogger() });
  if (!NO_FUSE) {
    const source = { endpoint: s.endpoint, accessToken: s.account.access_token, cacheDir: path.join(work, 'mount-cache') };
    mount = await startMount(source, path.join(work, 'mnt'), ['--block-size', '1M', ...shares.flatMap((x) => ['--share', x])]);
  }
});

// ---- WebDAV helpers (raw requests for statuses and ranges, the `webdav` library for PROPFIND) ----

const href = (p: string) => '/' + p.split('/').map(encodeURIComponent).join('/');
function request(method: string, p: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  return fetch(new URL(href(p), dav!.url), { method, headers: { authorization: AUTH, ...headers }, ...(body !== undefined ? { body } : {}) });
}
async function get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const r = await request('GET', p, headers);
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

async function davWalk(root: string): Promise<Map<string, string>> {
  const client = createClient(dav!.url, { username: USER, password: PASSWORD });
  const out = new Map<string, string>();
  const visit = async (rel: string) => {
    const listed = (await client.getDirectoryContents(`/${root}/${rel}`)) as FileStat[];
    for (const e of listed.sort((a, b) => a.basename.localeCompare(b.basename))) {
      const r = rel ? `${rel}/${e.basename}` : e.basename;
      assert.equal(e.filename, `/${root}/${r}`, 'the href names the entry under its folder');
      if (e.type === 'directory') {
        out.set(r, 'dir');
        await visit(r);
      } else {
        const got = await get(`${root}/${r}`);
        assert.equal(got.status, 200, `GET ${r}`);
        out.set(r, fileLine(e.size, got.body));
      }
    }
  };
  await visit('');
  return out;
}

// ---- FUSE helpers: one node:fs call at a time (the local PDS server shares this process's libuv pool) ----

const mnt = (p: string) => path.join(mount!.mnt, p);

async function fuseWalk(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (rel: string) => {
    const listed = await fs.readdir(mnt(`${root}/${rel}`), { withFileTypes: true });
    for (const d of listed.sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        out.set(r, 'dir');
        await visit(r);
      } else {
        const st = await fs.stat(mnt(`${root}/${r}`));
        out.set(r, fileLine(st.size, await fs.readFile(mnt(`${root}/${r}`))));
      }
    }
  };
  await visit('');
  return out;
}

/** The owner's drive as the server has it: path → type, size, content hash, modification time. */
async function serverSnapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (parentId: string, rel: string) => {
    for await (const f of s.app.client.files.iterate({ drive_id: s.account.drive_id, parent_file_id: parentId, limit: 100, fields: '*' })) {
      const r = rel ? `${rel}/${f.name}` : f.name;
      out.set(r, `${f.type} ${f.size ?? ''} ${f.content_hash ?? ''} ${f.updated_at}`);
      if (f.type === 'folder') await visit(f.file_id, r);
    }
  };
  await visit('root', '');
  return out;
}

const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => a.localeCompare(b));
let davSeen: Map<string, string> | undefined;

// First, before any read: a read-ahead still downloading would count as a download of the copy.
test('a WebDAV COPY out of the share into a drive is server-side: nothing is downloaded', async () => {
  const before = downloads();
  const file = await request('COPY', `${SHARE_DIR}/tree/big.bin`, { destination: dav!.url.replace(/\/$/, '') + href('drives/My Drive/saved-big.bin') });
  assert.equal(file.status, 201);
  const folder = await request('COPY', `${SHARE_DIR}/tree/nested`, { destination: dav!.url.replace(/\/$/, '') + href('drives/My Drive/saved-nested'), depth: 'infinity' });
  assert.equal(folder.status, 201);
  assert.equal(downloads(), before, 'no GET of file data during the copies');
  const { client } = s.app;
  const drive = s.account.drive_id;
  const saved = await client.files.getByPath({ drive_id: drive, file_path: '/saved-big.bin' });
  assert.equal(saved.content_hash?.toLowerCase(), sha1(BIG));
  const deep = await client.files.getByPath({ drive_id: drive, file_path: '/saved-nested/level1/level2/deep.bin' });
  assert.equal(deep.content_hash?.toLowerCase(), sha1(TREE.get('tree/nested/level1/level2/deep.bin') as Buffer));
});

test('WebDAV: the share under shares/, walked with PROPFIND and GET, is the tree on the server', async () => {
  const onServer = await serverSnapshot();
  for (const [p, c] of TREE) {
    const [type, size, hash] = onServer.get(p)?.split(' ') ?? [];
    assert.deepEqual([type, size, hash?.toLowerCase()], c === '' ? ['folder', '', ''] : ['file', String(c.length), sha1(c)], `${p} on the server`);
  }
  assert.equal((await request('PROPFIND', `${SHARE_DIR}/tree/many`, { depth: '0' })).status, 207, 'the folder is found');
  const [calls, gets] = [listCalls(), downloads()];
  assert.equal((await request('PROPFIND', `${SHARE_DIR}/tree/many`, { depth: '1' })).status, 207);
  assert.equal(listCalls() - calls, 2, 'the 120 entries of many/ come in two pages');
  const seen = await davWalk(SHARE_DIR);
  assert.deepEqual(sorted(seen), sorted(EXPECTED));
  assert.ok(downloads() > gets, 'reads are counted as downloads (what the COPY test relies on)');
  davSeen = seen;
});

test('FUSE: the mount shows the same share: same paths, sizes and bytes as WebDAV and the server', { skip: NO_FUSE }, async () => {
  assert.deepEqual((await fs.readdir(mnt('shares'))).sort(), ['brief', 'locked', 'Été & Co _ 2024'].sort());
  assert.ok((await fs.stat(mnt(`${SHARE_DIR}/tree/many`))).isDirectory());
  const calls = listCalls();
  assert.equal((await fs.readdir(mnt(`${SHARE_DIR}/tree/many`))).length, 120);
  assert.equal(listCalls() - calls, 2, 'the 120 entries of many/ come in two pages');
  const seen = await fuseWalk(SHARE_DIR);
  assert.deepEqual(sorted(seen), sorted(EXPECTED));
  if (davSeen) assert.deepEqual(sorted(seen), sorted(davSeen));
  assert.equal(await getXattr(mnt(`${SHARE_DIR}/tree/big.bin`), 'user.pds.content_hash'), sha1(BIG).toUpperCase());
});

test('a Range GET and a positioned read of the multi-part file agree, across blocks and the part boundary', async () => {
  const big = `${SHARE_DIR}/tree/big.bin`;
  const fh = mount ? await fs.open(mnt(big), 'r') : undefined;
  try {
    const ranges: [number, number][] = [[0, 1], [BLOCK - 10, 20], [3 * BLOCK + 1, 2 * BLOCK], [8 * MiB - 7, 14], [BIG.length - 5, 5], [BIG.length - 70_000, 70_000]];
    for (const [at, len] of ranges) {
      const r = await get(big, { range: `bytes=${at}-${at + len - 1}` });
      assert.equal(r.status, 206, `Range at ${at}`);
      assert.equal(r.headers.get('content-range'), `bytes ${at}-${at + len - 1}/${BIG.length}`);
      assert.ok(r.body.equals(BIG.subarray(at, at + len)), `WebDAV content at ${at}`);
      if (fh) {
        const buf = Buffer.alloc(len);
        const { bytesRead } = await fh.read(buf, 0, len, at);
        assert.equal(bytesRead, len, `FUSE bytes at ${at}`);
        assert.ok(buf.equals(r.body), `FUSE and WebDAV agree at ${at}`);
      }
    }
    const suffix = await get(big, { range: 'bytes=-1000' });
    assert.equal(suffix.status, 206);
    assert.ok(suffix.body.equals(BIG.subarray(BIG.length - 1000)));
    assert.equal((await get(big, { range: `bytes=${BIG.length}-` })).status, 416);
    if (fh) assert.equal((await fh.read(Buffer.alloc(10), 0, 10, BIG.length)).bytesRead, 0, 'nothing past the end');
  } finally {
    await fh?.close();
  }
});

test('WebDAV advertises the SHA-1 the server has', async () => {
  const body = '<D:propfind xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns"><D:prop><oc:checksums/></D:prop></D:propfind>';
  const r = await request('PROPFIND', `${SHARE_DIR}/tree/big.bin`, { depth: '0' }, body);
  assert.equal(r.status, 207);
  assert.match(await r.text(), new RegExp(`<oc:checksum>SHA1:${sha1(BIG)}</oc:checksum>`, 'i'));
});

const LOCK_BODY = '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

test('changes to the read-only share are refused through both front-ends and change nothing', async () => {
  const snapshot = await serverSnapshot();
  const file = `${SHARE_DIR}/tree/a b.txt`;
  const dest = (p: string) => dav!.url.replace(/\/$/, '') + href(p);
  const davRefusals: [string, () => Promise<Response>][] = [
    ['PUT new', () => request('PUT', `${SHARE_DIR}/tree/new.txt`, {}, 'new')],
    ['PUT over', () => request('PUT', file, {}, 'changed')],
    ['PUT at the share root', () => request('PUT', `${SHARE_DIR}/beside.txt`, {}, 'new')],
    ['MKCOL', () => request('MKCOL', `${SHARE_DIR}/tree/newdir`)],
    ['DELETE file', () => request('DELETE', file)],
    ['DELETE folder', () => request('DELETE', `${SHARE_DIR}/tree/nested/empty-dir`)],
    ['MOVE', () => request('MOVE', file, { destination: dest(`${SHARE_DIR}/tree/moved.txt`) })],
    ['MOVE out', () => request('MOVE', file, { destination: dest('drives/My Drive/moved.txt') })],
    ['COPY in', () => request('COPY', 'drives/My Drive/top.txt', { destination: dest(`${SHARE_DIR}/tree/copied.txt`) })],
    ['LOCK file', () => request('LOCK', file, {}, LOCK_BODY)],
    ['LOCK new name', () => request('LOCK', `${SHARE_DIR}/tree/locked-new.txt`, {}, LOCK_BODY)],
  ];
  for (const [what, send] of davRefusals) assert.equal((await send()).status, 403, what);

  if (mount) {
    const refused = async (what: string, p: Promise<unknown>) =>
      assert.rejects(p, (err: NodeJS.ErrnoException) => ['EROFS', 'EACCES'].includes(err.code ?? '') || assert.fail(`${what}: ${err.code}`), what);
    await refused('create', fs.writeFile(mnt(`${SHARE_DIR}/tree/new.txt`), 'new'));
    await refused('overwrite', fs.writeFile(mnt(file), 'changed'));
    await refused('append', fs.appendFile(mnt(file), 'more'));
    await refused('truncate', fs.truncate(mnt(file), 0));
    await refused('mkdir', fs.mkdir(mnt(`${SHARE_DIR}/tree/newdir`)));
    await refused('rename', fs.rename(mnt(file), mnt(`${SHARE_DIR}/tree/renamed.txt`)));
    await refused('unlink', fs.unlink(mnt(file)));
    await refused('rmdir', fs.rmdir(mnt(`${SHARE_DIR}/tree/nested/empty-dir`)));
    await refused('utimes', fs.utimes(mnt(file), 1, 1));
    await refused('chmod', fs.chmod(mnt(file), 0o600));
    assert.equal((await fs.readFile(mnt(file))).toString(), 'with a space\n');
    assert.deepEqual((await fs.readdir(mnt(`${SHARE_DIR}/tree/nested`))).sort(), ['empty-dir', 'level1']);
  }
  assert.equal((await get(file)).body.toString(), 'with a space\n');
  assert.deepEqual(sorted(await serverSnapshot()), sorted(snapshot), 'the server has the same entries');
});

// The first token is reported to live one second (the server keeps it for hours): only a renewal
// ahead of its end, not a refusal, can replace it.
test('the share token is renewed before it expires while served', async () => {
  const { client } = s.app;
  const issued: string[] = [];
  let firstAt = 0;
  const tokens = new ShareTokenCache(async (id, pwd) => {
    const t = await client.shareLinks.getShareToken({ share_id: id, ...(pwd ? { share_pwd: pwd } : {}) });
    issued.push(t.share_token);
    firstAt ||= Date.now();
    return { ...t, expires_in: issued.length === 1 ? 1 : 3600 };
  });
  tokens.setPassword(ids.main!, 'pw-1');
  client.http.useShareTokens(tokens);
  try {
    const copy = (to: string) => request('COPY', `${SHARE_DIR}/top.txt`, { destination: dav!.url.replace(/\/$/, '') + href(`drives/My Drive/${to}`) });
    assert.equal((await copy('token-1.txt')).status, 201);
    assert.equal(issued.length, 1);
    await sleepUntil(firstAt + 850); // past the renewal point (80% of the lifetime), before the reported end
    assert.equal((await copy('token-2.txt')).status, 201);
    assert.equal(issued.length, 2, 'a new token was fetched ahead of the old one\'s end');
  } finally {
    client.http.useShareTokens(client.shareTokens);
  }
});

test('a share given with a wrong password: its directory answers EACCES / 403, said at start', async () => {
  const r = await request('PROPFIND', 'shares/locked', { depth: '1' });
  assert.equal(r.status, 403);
  assert.equal((await get('shares/locked/top.txt')).status, 403);
  if (mount) {
    await assert.rejects(fs.readdir(mnt('shares/locked')), { code: 'EACCES' });
    await assert.rejects(fs.readFile(mnt('shares/locked/top.txt')), { code: 'EACCES' });
    assert.match(mount.output(), new RegExp(`share ${ids.locked} cannot be opened: wrong or missing password`));
  }
});

test('a share that expires while mounted and served becomes EACCES / 403, with a log line', async () => {
  assert.equal((await get('shares/brief/brief/a.txt')).body.toString(), 'a.txt\n');
  if (mount) assert.deepEqual((await fs.readdir(mnt('shares/brief/brief'))).sort(), ['a.txt', 'b.txt', 'c.txt']);
  const expiresAt = Date.now() + 500;
  await s.app.client.shareLinks.update({ share_id: ids.brief!, expiration: new Date(expiresAt).toISOString() });
  await sleepUntil(expiresAt + 100);
  assert.equal((await get('shares/brief/brief/b.txt')).status, 403);
  if (mount) {
    await assert.rejects(fs.readFile(mnt('shares/brief/brief/c.txt')), { code: 'EACCES' });
    const logged = mount.output().split('\n').filter((l) => l.includes(`share ${ids.brief} is no longer readable`));
    assert.equal(logged.length, 1, mount.output());
    assert.match(logged[0]!, /the share link has expired/);
  }
});
