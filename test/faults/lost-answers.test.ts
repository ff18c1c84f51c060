// Requests the PDS client cannot simply repeat, when the answer to the first attempt is lost:
// a proxy in front of the local PDS server fails chosen requests with 503, either before they reach
// the server or after the server did the work. Deterministic versions of what the suite's random
// 5xx faults do to MKCOL/mkdir and to token refreshes.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { connectPds } from '../../src/pds/connect.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { startEmulator, type StartedEmulator } from '../helpers/emulator.js';

type Failure = 'before' | 'after';

let emu: StartedEmulator;
let proxy: http.Server;
let proxyUrl: string;
/** Path → how its next request fails (one request each). */
const failNext = new Map<string, Failure>();
/** The failures that fired, as "path failure", in order. */
const fired: string[] = [];

/** Every fault a test arms must fire: a test whose fault never fired tested nothing. */
afterEach(() => {
  const unfired = [...failNext].map(([path, failure]) => `${path} ${failure}`);
  failNext.clear();
  fired.length = 0;
  assert.deepEqual(unfired, [], 'armed faults that never fired');
});

before(async () => {
  emu = await startEmulator();
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const failure = failNext.get(path);
      failNext.delete(path);
      if (failure) fired.push(`${path} ${failure}`);
      const unavailable = () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"ServiceUnavailable","message":"lost"}');
      if (failure === 'before') return unavailable();
      const headers = { ...req.headers, host: new URL(emu.endpoint).host };
      const upstream = http.request(emu.endpoint + (req.url ?? ''), { method: req.method, headers }, (answer) => {
        if (failure === 'after') return answer.resume().on('end', unavailable);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await emu.close();
});

function client() {
  const a = emu.emu.devAccount();
  return connectPds({ endpoint: proxyUrl, refreshToken: a.refresh_token, clientId: a.client_id, clientSecret: a.client_secret, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
}

async function namesAtRoot(c: ReturnType<typeof client>): Promise<string[]> {
  const names: string[] = [];
  for await (const f of c.files.iterate({ drive_id: emu.account.drive_id, parent_file_id: 'root' })) names.push(f.name);
  return names;
}

test('a token refresh that failed with 503 is tried again', async () => {
  const c = client();
  failNext.set('/v2/oauth/token', 'before');
  await assert.doesNotReject(namesAtRoot(c));
  assert.deepEqual(fired, ['/v2/oauth/token before']);
  c.close();
});

test('mkdir whose answer was lost: the retry finds the folder made by the first attempt and takes it', async () => {
  const c = client();
  const remote = new DriveRemote(c, emu.account.drive_id);
  await namesAtRoot(c);
  failNext.set('/v2/file/create', 'after');
  const made = await remote.createDir('root', 'made once');
  assert.equal(made.kind, 'dir');
  assert.deepEqual((await namesAtRoot(c)).filter((n) => n === 'made once'), ['made once'], 'one folder, not two');
  assert.deepEqual(fired, ['/v2/file/create after']);
  c.close();
});

test('mkdir refused before it reached the server is retried; an existing folder is still EEXIST', async () => {
  const c = client();
  const remote = new DriveRemote(c, emu.account.drive_id);
  await namesAtRoot(c);
  failNext.set('/v2/file/create', 'before');
  assert.equal((await remote.createDir('root', 'second')).kind, 'dir');
  assert.deepEqual(fired, ['/v2/file/create before']);
  await assert.rejects(remote.createDir('root', 'second'), { code: 'EEXIST' });
  c.close();
});

test('trash, delete and move whose answers were lost count as done; a real NotFound still fails', async () => {
  const c = client();
  const remote = new DriveRemote(c, emu.account.drive_id);
  const dir = await remote.createDir('root', 'lost answers');
  const a = await remote.createDir(dir.id, 'a');
  const b = await remote.createDir(dir.id, 'b');
  const target = await remote.createDir(dir.id, 'target');
  const names = async () => {
    const out: string[] = [];
    for await (const f of c.files.iterate({ drive_id: emu.account.drive_id, parent_file_id: dir.id })) out.push(f.name);
    return out.sort();
  };
  failNext.set('/v2/recyclebin/trash', 'after');
  await remote.trash(a.id);
  failNext.set('/v2/file/delete', 'after');
  await remote.delete(b.id);
  assert.deepEqual(await names(), ['target']);
  const moving = await remote.createDir(dir.id, 'moving');
  failNext.set('/v2/file/move', 'after');
  const moved = await remote.move(moving.id, target.id, 'moved');
  assert.equal(moved.name, 'moved');
  assert.equal(moved.parentId, target.id);
  assert.deepEqual(await names(), ['target']);
  await assert.rejects(remote.delete(b.id), { code: 'ENOENT' });
  assert.deepEqual(fired, ['/v2/recyclebin/trash after', '/v2/file/delete after', '/v2/file/move after']);
  c.close();
});
