// Offline through both front-ends, as a user meets it: `pdsfs mount` driven by shell commands and
// `pdsfs serve` driven by WebDAV requests, with the local PDS server stopped. Every namespace
// operation answers at once, what needs the server fails fast (EHOSTDOWN / 503), `pdsfs status`
// says "offline since …", and once the server is back its tree equals a local folder given the
// same operations.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import type { DaemonStatus } from '../../src/control/status-report.js';
import { fuseUnavailable, startMount, stopAll, tempDir } from '../fuse/harness.js';
import { bashScript } from '../helpers/bash.js';
import { pdsfsArgs } from '../helpers/cli.js';
import { localTree, serverPut, serverTree, sha1, sorted, stoppableServer, type StoppableServer } from '../vfs/offline-support.js';
import { DAV_PASSWORD, DAV_USER, daemonStatus, type FaultyServer, startServe, urlPath } from './support.js';

const run = promisify(execFile);
const OP_LIMIT_MS = 30_000;

type Step = ['mkdir', string] | ['write', string, string] | ['mv', string, string] | ['rm', string];

const STEPS: Step[] = [
  ['mkdir', 'a'], ['mkdir', 'a/b'], ['write', 'a/b/f.txt', 'F'], ['write', 'g.txt', 'G'], ['mv', 'g.txt', 'a/g2.txt'],
  ['mv', 'r1.txt', 'a/r1.txt'], ['rm', 'r2.txt'], ['rm', 'e'], ['mv', 'a', 'a2'], ['mv', 'd1', 'd1-renamed'],
  ['write', 'd1-renamed/new.txt', 'N'], ['write', 'r4.txt', 'r4 rewritten offline'], ['rm', 'a2/b'], ['mkdir', 'a2/b'],
  ['mv', 'a2/g2.txt', 'a2/b/g3.txt'],
];

/** The steps that are namespace changes of what the server has (writes, and moves of files not uploaded yet, are uploads). */
const NAMESPACE_CHANGES = 9;

const SEED: [string, string | null][] = [['r1.txt', 'r1'], ['r2.txt', 'r2'], ['r3.txt', 'never read'], ['r4.txt', 'r4'], ['e', null], ['d1', null], ['d1/in.txt', 'in']];

async function seeded(): Promise<{ server: StoppableServer; work: string; reference: string }> {
  const server = await stoppableServer();
  const work = await tempDir('offline-front-ends');
  after(async () => {
    await server.start();
    await stopAll();
    await server.close();
    await fs.rm(work, { recursive: true, force: true });
  });
  const ids: Record<string, string> = {};
  const reference = path.join(work, 'reference');
  await fs.mkdir(reference);
  for (const [p, content] of SEED) {
    const parent = p.includes('/') ? ids[path.dirname(p)]! : 'root';
    ids[p] = await serverPut(server.endpoint, server.token, server.driveId, parent, path.basename(p), content ?? undefined);
    if (content === null) await fs.mkdir(path.join(reference, p));
    else await fs.writeFile(path.join(reference, p), content);
  }
  for (const s of STEPS) await applyLocally(reference, s);
  return { server, work, reference };
}

async function applyLocally(root: string, s: Step): Promise<void> {
  const at = (p: string) => path.join(root, p);
  if (s[0] === 'mkdir') await fs.mkdir(at(s[1]));
  else if (s[0] === 'write') await fs.writeFile(at(s[1]), s[2]);
  else if (s[0] === 'mv') await fs.rename(at(s[1]), at(s[2]));
  else await fs.rm(at(s[1]), { recursive: true });
}

/** Waits (by polling the control socket) until the daemon is online with nothing waiting; `poke` asks for something that needs PDS. */
async function waitReplayed(cacheDir: string, poke: () => Promise<unknown>): Promise<DaemonStatus> {
  for (let i = 0; ; i++) {
    // A daemon busy replaying on a loaded machine may miss one status call: ask again, up to the limit.
    const s = await daemonStatus(cacheDir).catch((err: Error) => {
      if (i > 240) throw err;
      return undefined;
    });
    if (s?.pds.online && s.pds.changesWaiting === 0) return s;
    if (i > 240) throw new Error(`changes still waiting: ${JSON.stringify(s?.pds)} ${JSON.stringify(s?.changes)}`);
    await poke().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function statusText(cacheDir: string): Promise<string> {
  const { stdout } = await run(process.execPath, pdsfsArgs('status', '--cache-dir', cacheDir), { env: { PATH: process.env.PATH ?? '' } });
  return stdout;
}

test('offline through the mount: shell commands answer at once, the tree replays when PDS is back', { skip: fuseUnavailable() }, async (t) => {
  const { server, work, reference } = await seeded();
  const mnt = path.join(work, 'mnt');
  const cacheDir = path.join(work, 'cache-fuse');
  const mount = await startMount({ endpoint: server.endpoint, accessToken: server.token, cacheDir }, mnt, ['--drive', server.driveId]);
  // The tree is seen once (every folder listed), then the network goes.
  await run('find', [mnt, '-type', 'd']);
  await server.stop();

  const q = (p: string) => `'${p.replaceAll("'", "'\\''")}'`;
  const script = STEPS.map((s) =>
    s[0] === 'mkdir' ? `mkdir ${q(s[1])}` : s[0] === 'write' ? `printf %s ${q(s[2])} > ${q(s[1])}` : s[0] === 'mv' ? `mv -T ${q(s[1])} ${q(s[2])}` : `rm -r ${q(s[1])}`,
  ).join('\n');
  const started = Date.now();
  await run('bash', bashScript(`set -e\ncd "$1"\n${script}`, 'steps', mnt));
  const stepsMs = Date.now() - started;
  assert.ok(stepsMs < OP_LIMIT_MS, `every step answered before the ${OP_LIMIT_MS} ms op limit (all ${STEPS.length} took ${stepsMs} ms)`);
  t.diagnostic(`offline: ${STEPS.length} shell steps on the mount took ${stepsMs} ms in all`);
  // The mount shows the new tree at once.
  const { stdout: listed } = await run('bash', bashScript('cd "$1" && find . | sort', 'list', mnt));
  const expected = sorted(await localTree(reference));
  assert.deepEqual(listed.split('\n').filter((l) => l && l !== '.').map((l) => l.slice(1)), Object.keys(expected));
  // What needs the server fails fast: a file never read.
  const cat = await run('cat', [path.join(mnt, 'r3.txt')]).then(() => 'read', (e: { stderr: string }) => e.stderr);
  assert.match(cat, /Host is down/);
  const text = await statusText(cacheDir);
  assert.match(text, /PDS: offline since .*, \d+ changes waiting/);

  await server.start();
  const s = await waitReplayed(cacheDir, () => run('cat', [path.join(mnt, 'r3.txt')]));
  assert.deepEqual([s.changes.lost, s.changes.conflicts], [0, 0], JSON.stringify(s.changes.notices));
  assert.equal(s.changes.replayed, NAMESPACE_CHANGES, 'each namespace change replayed once');
  assert.deepEqual(sorted(await serverTree(server.endpoint, server.token, server.driveId)), expected);
  assert.equal(await mount.stop(), 0);
});

test('offline through WebDAV: MKCOL, PUT, MOVE and DELETE succeed, GET of an uncached file is 503, all replays when PDS is back', async () => {
  const { server, work, reference } = await seeded();
  const config = path.join(work, 'config.json');
  const a = server.account;
  await fs.writeFile(config, JSON.stringify({ endpoint: server.endpoint, 'refresh-token': a.refresh_token, 'client-id': a.client_id, 'client-secret': a.client_secret }), { mode: 0o600 });
  const cacheDir = path.join(work, 'cache-dav');
  const dav = await startServe({ emu: { endpoint: server.endpoint }, driveId: server.driveId } as FaultyServer, config, cacheDir, ['--write-back', '0']);
  after(() => dav.crash());
  const auth = `Basic ${Buffer.from(`${DAV_USER}:${DAV_PASSWORD}`).toString('base64')}`;
  const req = async (method: string, rel: string, body?: string, headers: Record<string, string> = {}) =>
    (await fetch(dav.url + urlPath(rel), { method, headers: { authorization: auth, ...headers }, ...(body !== undefined ? { body } : {}) })).status;
  for (const d of ['', 'd1', 'e']) assert.equal(await req('PROPFIND', d ? `${d}/` : '', undefined, { depth: '1' }), 207);
  await server.stop();

  const statuses: string[] = [];
  for (const s of STEPS) {
    const status =
      s[0] === 'mkdir' ? await req('MKCOL', `${s[1]}/`)
      : s[0] === 'write' ? await req('PUT', s[1], s[2])
      : s[0] === 'mv' ? await req('MOVE', s[1], undefined, { destination: dav.url + urlPath(s[2]), overwrite: 'F' })
      : await req('DELETE', s[1]);
    statuses.push(`${s[0]} ${s[1]}: ${status}`);
  }
  assert.deepEqual(statuses.filter((x) => !/: 20[14]$/.test(x)), [], 'every request succeeded');
  assert.equal(await req('GET', 'r3.txt'), 503, 'a file never read needs the server');
  assert.match(await statusText(cacheDir), /PDS: offline since .*, \d+ changes waiting/);

  await server.start();
  const s = await waitReplayed(cacheDir, () => req('GET', 'r3.txt'));
  assert.deepEqual([s.changes.lost, s.changes.conflicts], [0, 0], JSON.stringify(s.changes.notices));
  assert.equal(s.changes.replayed, NAMESPACE_CHANGES, 'each namespace change replayed once');
  assert.deepEqual(sorted(await serverTree(server.endpoint, server.token, server.driveId)), sorted(await localTree(reference)));
  assert.equal(await dav.stop(), 0);
});

test('stopping pdsfs serve while PDS is unreachable keeps the changes for the next start', async () => {
  const { server, work } = await seeded();
  const config = path.join(work, 'config.json');
  const a = server.account;
  await fs.writeFile(config, JSON.stringify({ endpoint: server.endpoint, 'refresh-token': a.refresh_token, 'client-id': a.client_id, 'client-secret': a.client_secret }), { mode: 0o600 });
  const cacheDir = path.join(work, 'cache-stop');
  const start = () => startServe({ emu: { endpoint: server.endpoint }, driveId: server.driveId } as FaultyServer, config, cacheDir, ['--write-back', '0']);
  const auth = `Basic ${Buffer.from(`${DAV_USER}:${DAV_PASSWORD}`).toString('base64')}`;
  let dav = await start();
  const req = async (method: string, rel: string, body?: string) =>
    (await fetch(dav.url + urlPath(rel), { method, headers: { authorization: auth }, ...(body !== undefined ? { body } : {}) })).status;
  assert.equal(await req('PROPFIND', ''), 207);
  await server.stop();
  assert.equal(await req('MKCOL', 'later/'), 201);
  assert.equal(await req('PUT', 'later/f.txt', 'kept'), 201);
  assert.equal(await req('DELETE', 'r1.txt'), 204);
  assert.equal(await dav.stop(), 0, `a stop does not wait for the network:\n${dav.output()}`);
  assert.match(dav.output(), /PDS is unreachable: what waits is kept/);

  await server.start();
  dav = await start();
  after(() => dav.crash());
  const s = await waitReplayed(cacheDir, () => req('GET', 'r3.txt'));
  assert.equal(s.changes.replayed, 2, `the folder and the delete: ${JSON.stringify(s.changes)}\n${dav.output()}`);
  const tree = await serverTree(server.endpoint, server.token, server.driveId);
  assert.equal(tree['/later/f.txt'], sha1('kept'));
  assert.equal(tree['/r1.txt'], undefined);
  assert.equal(await dav.stop(), 0);
});
