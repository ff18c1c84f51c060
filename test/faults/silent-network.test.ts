// A network that drops packets without a refusal (the local server's `silent` fault: no request is
// answered, nor refused, until it is lifted). A call left waiting has a short probe check the server;
// when the probe gets no answer either, PDS is unreachable and the waiting call fails at once with
// EHOSTDOWN, while the server still holds it, instead of at its own 60 s timeout. A server that is
// only slow answers the probe, and its slow calls go through. Ordered by counts, never by a clock.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { VfsError } from '../../src/core/errors.js';
import { pds } from '../helpers/emulator.js';
import { startApp } from '../helpers/app.js';

const OP_LIMIT_MS = 30_000;

test('a network gone silent fails the waiting call with EHOSTDOWN before the server lets it go; a slow server is not taken for gone', async () => {
  // No listing ahead: the folders below must stay never-listed until the test lists them.
  const s = await startApp({ listPrefetch: 0 });
  after(() => s.close());
  const api = (path: string, body: object) => pds<any>(s.endpoint, s.account.access_token, path, { drive_id: s.account.drive_id, ...body });
  for (const name of ['slow', 'silent', 'later']) await api('file/create', { parent_file_id: 'root', name, type: 'folder' });
  const d = `/drives/${s.app.volumes[0]!.dirName}`;
  await s.vfs.readdir(d);
  const reach = s.app.reachability;
  const held = () => s.emu.stats.inFlight['/v2/file/list'] ?? 0;

  // Slow but there: every /v2 call waits 2.5 s (past the point where a probe is sent); the probe is
  // answered, so the listing goes through and pdsfs stays online.
  s.emu.setFaults({ latencyMs: 2500 });
  const probesBefore = reach.probes;
  assert.deepEqual(await s.vfs.readdir(`${d}/slow`), []);
  assert.ok(reach.probes > probesBefore, 'the slow call had a probe sent');
  assert.equal(reach.online, true);
  assert.equal(reach.transitions, 0, 'a slow server was never taken for gone');
  s.emu.setFaults({ latencyMs: 0 });

  // Silent: the listing of a never-listed folder waits, the probe gets no answer, the listing fails.
  s.emu.setFaults({ silent: 1 });
  // Answered within the 30 s operation limit (FUSE, WebDAV clients), which the 60 s timeout is not.
  let limit: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    s.vfs.readdir(`${d}/silent`).then(() => 'listed', (e: unknown) => (VfsError.is(e, 'EHOSTDOWN') ? 'EHOSTDOWN' : String(e))),
    new Promise<string>((r) => (limit = setTimeout(() => r('still waiting at the operation limit'), OP_LIMIT_MS))),
  ]);
  clearTimeout(limit);
  assert.equal(first, 'EHOSTDOWN');
  const heldNow = held();
  assert.ok(heldNow >= 1, 'the listing failed while the server still held it');
  assert.ok(s.emu.silenced.total >= 2, 'the fault held the listing and the probe');
  assert.equal(reach.online, false);
  // Offline from then on: what needs the server fails at once (nothing more is sent), the cache works.
  const silencedBefore = s.emu.silenced.total;
  await assert.rejects(s.vfs.readdir(`${d}/later`), (e: unknown) => VfsError.is(e, 'EHOSTDOWN'));
  assert.equal(held(), heldNow, 'the second listing was not sent');
  assert.ok(s.emu.silenced.total - silencedBefore <= 1, 'at most a probe was sent');
  assert.deepEqual((await s.vfs.readdir(d)).map((n) => n.name).sort(), ['later', 'silent', 'slow']);
  await s.vfs.mkdir(`${d}/made-offline`);

  // The network comes back: the held listing is answered (to nobody), the probe finds the server,
  // the change made meanwhile is replayed.
  s.emu.setFaults({ silent: 0 });
  await s.vfs.drain();
  assert.equal(reach.online, true);
  assert.deepEqual((await s.vfs.readdir(`${d}/silent`)).map((n) => n.name), []);
  const names = (await api('file/list', { parent_file_id: 'root' })).body.items.map((i: { name: string }) => i.name).sort();
  assert.deepEqual(names, ['later', 'made-offline', 'silent', 'slow']);
});
