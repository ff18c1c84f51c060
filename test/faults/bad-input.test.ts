// The bad-input sweep (cases in bad-input-cases.ts) over real HTTP against the WebDAV server, and the
// name rules through a FUSE mount of the same drive. Every bad request gets its own specific status
// with a readable message, XML entities are never resolved (no local file content in any answer, no
// request to an external DTD or entity), the process keeps answering, and the drive, as the PDS API
// lists it (names and content hashes), is unchanged apart from what the valid requests made.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fuseUnavailable, startMount, stopAll, tempDir } from '../fuse/harness.js';
import { serve, type Served } from '../webdav/harness.js';
import { BAD_TIMEOUTS, badCases, type CaseContext, nameOfBytes } from './bad-input-cases.js';

const MARKER = `xxe-secret-${randomUUID()}`;
const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');

let s: Served;
let work: string;
let ctx: CaseContext;
let trap: http.Server;
const trapHits: string[] = [];
/** The drive before the sweep, plus what its valid requests add. */
const expected = new Map<string, string>();

/** Every folder ("dir") and file (sha1) of the drive, by path, as the PDS API lists them. */
async function snapshot(): Promise<Map<string, string>> {
  const api = s.started.app.client;
  const drive = s.started.account.drive_id;
  const out = new Map<string, string>();
  const walk = async (parentId: string, prefix: string): Promise<void> => {
    for await (const f of api.files.iterate({ drive_id: drive, parent_file_id: parentId, limit: 100, fields: '*' })) {
      const p = `${prefix}/${f.name}`;
      out.set(p, f.type === 'folder' ? 'dir' : (f.content_hash ?? '').toLowerCase());
      if (f.type === 'folder') await walk(f.file_id, p);
    }
  };
  await walk('root', '');
  return out;
}

const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

before(async () => {
  work = await tempDir('bad-input');
  const secretFile = path.join(work, 'secret.txt');
  await fs.writeFile(secretFile, MARKER);
  trap = http.createServer((req, res) => {
    trapHits.push(req.url ?? '');
    res.end(`<!ENTITY leak "${MARKER}">`);
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  s = await serve();
  const dir = s.href(`${s.drivePath}/sweep`);
  ctx = { dir, file: `${dir}/a.txt`, sub: `${dir}/sub`, host: new URL(s.url).host, secretFile, trapUrl: `http://127.0.0.1:${(trap.address() as AddressInfo).port}` };
  // The data the sweep must leave alone, made by valid requests; names at the limits are accepted.
  const put = async (p: string, body: string) => assert.equal((await s.request('PUT', p, { body })).status, 201, p);
  assert.equal((await s.request('MKCOL', dir)).status, 201);
  assert.equal((await s.request('MKCOL', ctx.sub)).status, 201);
  await put(ctx.file, 'the file a');
  await put(`${ctx.sub}/inside.txt`, 'inside');
  await put(`${dir}/${encodeURIComponent(nameOfBytes(1024))}`, '1024-byte name');
  await put(`${dir}/${encodeURIComponent('100% sure; #1 & [x] {y} é\u{1F600}.txt')}`, 'odd but legal characters');
  await s.started.vfs.drain();
  for (const [p, v] of await snapshot()) expected.set(p, v);
});

after(async () => {
  await stopAll();
  await s?.close();
  trap?.close();
  if (work) await fs.rm(work, { recursive: true, force: true });
});

test('every bad request gets its own 4xx (or the RFC status) with a readable message, and leaks nothing', { timeout: 120_000 }, async (t) => {
  const cases = badCases(ctx);
  const problems: string[] = [];
  const seen = new Map<number, number>();
  for (const c of cases) {
    const r = await s.request(c.method, c.path, { ...(c.headers ? { headers: c.headers } : {}), ...(c.body !== undefined ? { body: c.body } : {}) }).catch((err: Error) => err);
    if (r instanceof Error) {
      problems.push(`${c.name}: no answer (${r.message})`);
      continue;
    }
    seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
    if (r.status !== c.status) problems.push(`${c.name}: ${r.status} ${r.text.slice(0, 120)} (want ${c.status})`);
    if (r.status >= 400 && !c.bareStatus && !/^[^\0-\x08\x0e-\x1f]{4,}$/u.test(r.text.trim())) problems.push(`${c.name}: no readable message (${JSON.stringify(r.text.slice(0, 80))})`);
    if (r.text.includes(MARKER)) problems.push(`${c.name}: the answer holds the secret file's content`);
  }
  t.diagnostic(`${cases.length} cases; statuses: ${[...seen].sort(([a], [b]) => a - b).map(([k, n]) => `${k}×${n}`).join(', ')}`);
  assert.deepEqual(problems, []);
  assert.deepEqual(trapHits, [], 'no external DTD or entity was fetched');
});

test('entities are not stored either: the file keeps its properties and content', async () => {
  const props = await s.request('PROPFIND', ctx.file, { headers: { depth: '0' }, body: `<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>` });
  assert.equal(props.status, 207);
  assert.ok(!props.text.includes(MARKER) && !props.text.includes('urn:z'), props.text);
  const body = await s.request('GET', ctx.file);
  assert.equal(body.text, 'the file a');
});

test('bad Timeout headers get a lock with a bounded timeout (RFC 4918 §10.7), which unlocks', async () => {
  const lockinfo = `<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>`;
  for (const timeout of BAD_TIMEOUTS) {
    const r = await s.request('LOCK', ctx.file, { headers: { timeout }, body: lockinfo });
    assert.equal(r.status, 200, `Timeout: ${timeout} → ${r.status} ${r.text}`);
    const seconds = Number(/<D:timeout>Second-(\d+)<\/D:timeout>/.exec(r.text)?.[1]);
    assert.ok(seconds >= 1 && seconds <= 24 * 3600, `Timeout: ${timeout} → ${r.text}`);
    assert.equal((await s.request('UNLOCK', ctx.file, { headers: { 'lock-token': String(r.headers['lock-token']) } })).status, 204);
  }
});

test('FUSE: names over 255 bytes, over 1024 bytes, with control characters or not UTF-8 are refused; long names list whole', { skip: fuseUnavailable() ?? false, timeout: 120_000 }, async () => {
  const source = { endpoint: s.started.endpoint, accessToken: s.started.account.access_token, cacheDir: path.join(work, 'fuse-cache') };
  const mount = await startMount(source, path.join(work, 'mnt'), ['--drive', s.started.account.drive_id]);
  const dir = path.join(mount.mnt, 'sweep');
  const refused = async (what: string, code: string, op: () => Promise<unknown>) =>
    assert.rejects(op, (err: NodeJS.ErrnoException) => (assert.equal(err.code, code, what), true), what);

  const ok = nameOfBytes(255);
  await fs.writeFile(path.join(dir, ok), 'NAME_MAX bytes');
  expected.set(`/sweep/${ok}`, sha1('NAME_MAX bytes'));
  for (const n of [256, 1024, 1025, 4000]) {
    // New names (the 1024-byte one made over WebDAV exists, and opening it would succeed).
    await refused(`create, ${n}-byte name`, 'ENAMETOOLONG', () => fs.writeFile(path.join(dir, nameOfBytes(n, '.new')), 'x'));
    await refused(`mkdir, ${n}-byte name`, 'ENAMETOOLONG', () => fs.mkdir(path.join(dir, nameOfBytes(n, ''))));
    await refused(`rename to a ${n}-byte name`, 'ENAMETOOLONG', () => fs.rename(path.join(dir, 'a.txt'), path.join(dir, nameOfBytes(n, '.new'))));
  }
  await refused('path over PATH_MAX', 'ENAMETOOLONG', () => fs.writeFile(path.join(dir, ...Array<string>(25).fill('d'.repeat(200))), 'x'));
  for (const c of ['\x01', '\x1f', '\x7f', '\n', '\r']) {
    await refused(`create, ${JSON.stringify(c)} in the name`, 'EINVAL', () => fs.writeFile(path.join(dir, `a${c}b.txt`), 'x'));
    await refused(`mkdir, ${JSON.stringify(c)} in the name`, 'EINVAL', () => fs.mkdir(path.join(dir, `d${c}d`)));
    await refused(`rename to ${JSON.stringify(c)} in the name`, 'EINVAL', () => fs.rename(path.join(dir, 'a.txt'), path.join(dir, `r${c}r.txt`)));
  }
  // Bytes that are not UTF-8 would be read as U+FFFD, folding different names into one file.
  const raw = (...parts: (string | number[])[]) => Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x) : Buffer.from(x))));
  await refused('create, name not UTF-8', 'EINVAL', () => fs.writeFile(raw(dir, '/a', [0xff, 0xfe], 'b.txt'), 'x'));
  await refused('mkdir, name not UTF-8', 'EINVAL', () => fs.mkdir(raw(dir, '/d', [0xc3])));
  await refused('rename to a name not UTF-8', 'EINVAL', () => fs.rename(path.join(dir, 'a.txt'), raw(dir, '/r', [0xed, 0xa0, 0x80])));
  // Every listed name resolves (fuse-native would cut a 1024-byte name short; such names are left out).
  const names = await fs.readdir(dir);
  for (const n of names) await fs.stat(path.join(dir, n));
  assert.ok(names.includes(ok) && names.includes('a.txt'), names.join(', '));
  assert.equal(await fs.readFile(path.join(dir, 'a.txt'), 'utf8'), 'the file a');
  assert.equal(await mount.stop(), 0, mount.output());
});

test('after the sweep the server answers and the drive holds exactly what valid requests made', async () => {
  assert.equal((await s.request('OPTIONS', '/', { auth: false })).status, 200);
  assert.equal((await s.request('PROPFIND', `${ctx.dir}/`, { headers: { depth: '1' } })).status, 207);
  await s.started.vfs.drain();
  assert.deepEqual(sorted(await snapshot()), sorted(expected));
});
