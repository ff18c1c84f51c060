// Attribute changes (touch, chmod, chown) answer from the cache with no round trip, as a local disk
// does, and reach PDS in the background in the order they were made, with what followed them. The
// local server's latency fault keeps each update in flight long enough to see that nothing waited.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pds } from '../helpers/emulator.js';
import { type StartedApp, startApp, writeFile } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { META_SETTLE_MS } from '../../src/vfs/replay.js';

let s: StartedApp;
before(async () => {
  s = await startApp({ drive: '1' });
});
after(() => s?.close());

const handled = (p: string) => s.emu.stats.handled[p] ?? 0;

type Item = { name: string; file_id: string; local_modified_at?: string };
async function serverList(parent: string): Promise<Item[]> {
  return ((await pds(s.endpoint, s.account.access_token, '/v2/file/list', { drive_id: s.account.drive_id, parent_file_id: parent, limit: 100 })).body as { items: Item[] }).items;
}

test('touch of a folder and of an uploaded file answers before PDS has the change; PDS gets it in the background', async () => {
  const { vfs } = s;
  await vfs.mkdir('/dir');
  await writeFile(vfs, '/dir/up.txt', Buffer.from('uploaded'));
  await vfs.drain();
  const t1 = Date.UTC(2020, 1, 2, 3, 4, 5);
  const t2 = Date.UTC(2021, 1, 2, 3, 4, 5);
  s.emu.setFaults({ latencyMs: 1000 });
  try {
    const updates = handled('/v2/file/update');
    await vfs.setMtime('/dir/up.txt', t1);
    await vfs.setMtime('/dir', t2);
    assert.equal(handled('/v2/file/update'), updates, 'no update was answered before the changes returned');
    assert.equal((await vfs.stat('/dir/up.txt')).mtime, t1, 'the file shows its new time at once');
    assert.equal((await vfs.stat('/dir')).mtime, t2, 'the folder shows its new time at once');
    // A folder made while those wait goes after them (their order is the order PDS sees).
    const creates = handled('/v2/file/create');
    await vfs.mkdir('/dir/after');
    assert.equal(handled('/v2/file/create'), creates, 'the mkdir queued behind them did not wait either');
    await vfs.drain();
    assert.equal(handled('/v2/file/update'), updates + 2, 'both changes reached PDS');
    assert.equal(handled('/v2/file/create'), creates + 1, 'and the folder made after them');
  } finally {
    s.emu.setFaults({ latencyMs: 0 });
  }
  const dir = (await serverList('root')).find((i) => i.name === 'dir')!;
  assert.equal(Date.parse(dir.local_modified_at!), t2, 'PDS has the folder\'s time');
  const inDir = await serverList(dir.file_id);
  assert.equal(Date.parse(inDir.find((i) => i.name === 'up.txt')!.local_modified_at!), t1, 'PDS has the file\'s time');
  assert.deepEqual(inDir.map((i) => i.name).sort(), ['after', 'up.txt'], 'PDS has the folder made after them');
  assert.equal((await vfs.stat('/dir/up.txt')).mtime, t1);
  assert.equal((await vfs.stat('/dir')).mtime, t2);
  assert.equal(s.admin.offline().changes.pending, 0);
});

test('changes of one entry made while they settle reach PDS in one update, the last of each kind winning', async () => {
  // A settling time no stall of the machine reaches: what is counted does not depend on timing.
  const { vfs } = await s.restart({ metaSettleMs: 600_000 });
  try {
    await vfs.mkdir('/burst');
    const times = [1, 2, 3].map((y) => Date.UTC(2010 + y, 0, 1));
    const updates = handled('/v2/file/update');
    // As rsync sets a folder's times and then its mode: each answered from the cache.
    for (const t of times) await vfs.setMtime('/burst', t);
    assert.equal(handled('/v2/file/update'), updates, 'none was sent while settling');
    await vfs.drain();
    assert.equal(handled('/v2/file/update'), updates + 1, 'a drain sent the three as one update, without waiting for them to settle');
    const burst = (await serverList('root')).find((i) => i.name === 'burst')!;
    assert.equal(Date.parse(burst.local_modified_at!), times[2], 'PDS has the last time');
  } finally {
    await s.restart();
  }
});

test('an attribute change is sent once it settled, with nothing asking for it', async () => {
  const { vfs } = s;
  await vfs.mkdir('/settled');
  await vfs.drain();
  const t = Date.UTC(2015, 0, 1);
  await vfs.setMtime('/settled', t);
  await eventually(() => s.admin.offline().changes.pending === 0, `the change was replayed after its ${META_SETTLE_MS} ms`);
  const settled = (await serverList('root')).find((i) => i.name === 'settled')!;
  assert.equal(Date.parse(settled.local_modified_at!), t);
});

test('changes of one entry waiting behind one in flight reach PDS in one update after it', async () => {
  const { vfs } = s;
  await vfs.mkdir('/many');
  await vfs.drain();
  const times = [1, 2, 3].map((y) => Date.UTC(2010 + y, 0, 1));
  s.emu.setFaults({ latencyMs: 500 });
  try {
    const updates = handled('/v2/file/update');
    const sent = s.emu.stats.requests['/v2/file/update'] ?? 0;
    await vfs.setMtime('/many', times[0]!);
    await eventually(() => (s.emu.stats.requests['/v2/file/update'] ?? 0) > sent, 'the first change left');
    for (const t of times.slice(1)) await vfs.setMtime('/many', t);
    await vfs.drain();
    assert.equal(handled('/v2/file/update'), updates + 2, 'the first alone; the two behind it in one update');
  } finally {
    s.emu.setFaults({ latencyMs: 0 });
  }
  const many = (await serverList('root')).find((i) => i.name === 'many')!;
  assert.equal(Date.parse(many.local_modified_at!), times[2], 'PDS has the last time');
  assert.equal(s.admin.offline().changes.pending, 0);
});
