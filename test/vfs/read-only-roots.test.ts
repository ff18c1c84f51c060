// How long a drive root PDS refused a change in stays read-only here: no documented field or file
// object tells again, so the mark lasts RECHECK_MS (then the next change goes to PDS), and while PDS
// is unreachable it stays. A refused move into the root marks the root only when the entry moved is
// writable by its own permission fields. Counted with an injected clock, against a real local server.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CacheDb } from '../../src/cache/metadata/db.js';
import { MetadataStore } from '../../src/cache/metadata/nodes.js';
import { Reachability } from '../../src/core/reachability.js';
import { connectPds } from '../../src/pds/connect.js';
import { DriveRemote } from '../../src/pds/drive-remote.js';
import { DirCache } from '../../src/vfs/dir-cache.js';
import { ReadOnlyCheck, RECHECK_MS } from '../../src/vfs/read-only-check.js';
import type { VNode } from '../../src/vfs/resolver.js';
import type { Volume } from '../../src/vfs/volume.js';
import { startEmulator, type StartedEmulator } from '../helpers/emulator.js';
import { makeTempDir } from '../cache/temp-dir.js';

let e: StartedEmulator;
let tmp: { dir: string; remove: () => void };
let db: CacheDb;
let volume: Volume;
let dirs: DirCache;
let close: () => void;

before(async () => {
  e = await startEmulator();
  tmp = makeTempDir('real4-roots-');
  db = CacheDb.open(path.join(tmp.dir, 'metadata.sqlite'));
  dirs = new DirCache(new MetadataStore(db), { dirCacheTtlMs: 60_000 });
  const client = connectPds({ endpoint: e.endpoint, accessToken: e.account.access_token });
  close = () => client.close();
  volume = { id: `drive:${e.account.team_drive_id}`, dirName: 'team', kind: 'drive', remote: new DriveRemote(client, e.account.team_drive_id), readOnly: false };
});
after(async () => {
  close();
  db.close();
  await e.close();
  tmp.remove();
});

const rootNode = (): VNode => ({ path: '/', name: '', kind: 'dir', volume, id: 'root' });

test('a refused change in the root marks it for RECHECK_MS; offline the mark stays; then it is forgotten', async () => {
  let now = 1_000_000;
  const reach = new Reachability({ now: () => now });
  const check = new ReadOnlyCheck(dirs, reach, () => now);
  assert.equal(check.rootReadOnly(rootNode()), false);
  await check.refused(volume, ['root']);
  assert.equal(check.rootReadOnly(rootNode()), true);
  now += RECHECK_MS - 1;
  assert.equal(check.rootReadOnly(rootNode()), true);
  reach.unreachable('test');
  now += 1;
  assert.equal(check.rootReadOnly(rootNode()), true, 'not forgotten while PDS cannot tell');
  reach.reachable();
  assert.equal(check.rootReadOnly(rootNode()), false, 'forgotten: the next change goes to PDS');
  assert.equal(check.rootReadOnly({ ...rootNode(), id: 'other' }), false);
  reach.close();
});

test('a refused move into the root: the root is marked only when the entry moved is writable by its own fields', async () => {
  const check = new ReadOnlyCheck(dirs, new Reachability());
  const a = await volume.remote.createDir('root', 'a');
  const b = await volume.remote.createDir('root', 'b');
  dirs.put(volume, a);
  dirs.put(volume, b);
  e.emu.setPermissions(b.id, ['FILE.LIST', 'FILE.GET']);
  await check.refused(volume, [b.id, 'root']);
  assert.equal(check.rootReadOnly(rootNode()), false, 'the entry moved is the read-only one');
  assert.equal(dirs.get(volume, b.id)?.readOnly, true);
  await check.refused(volume, [a.id, 'root']);
  assert.equal(check.rootReadOnly(rootNode()), true, 'the entry is writable: the root refused it');
  assert.equal(dirs.get(volume, a.id)?.readOnly, undefined);
});
