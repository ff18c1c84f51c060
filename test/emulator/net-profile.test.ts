// Network shaping of the local server: per-connection pacing (on virtual time), the wan preset
// through options and /admin, byte-identical transfers under a cap, and the connection counters.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it, mock } from 'node:test';
import { NET_PROFILES } from '../../src/emulator/index.js';
import { ConnectionThrottle } from '../../src/emulator/throttle.js';
import { pds, startEmulator, type StartedEmulator } from '../helpers/emulator.js';
import { bytes, readFile, sha1Hex } from './support.js';

describe('connection throttle', () => {
  it('paces each connection on its own; requests on one connection share its rate', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    try {
      const throttle = new ConnectionThrottle(() => 1000);
      const a = {} as Socket;
      const b = {} as Socket;
      const passed: string[] = [];
      const track = (name: string, p: Promise<void>) => void p.then(() => passed.push(name));
      track('a1', throttle.pass(a, 500));
      track('b1', throttle.pass(b, 500));
      track('a2', throttle.pass(a, 500));
      await settle();
      mock.timers.tick(499);
      await settle();
      assert.deepEqual(passed, [], 'nothing passes before its time');
      mock.timers.tick(1);
      await settle();
      assert.deepEqual(passed.sort(), ['a1', 'b1'], 'two connections pass their 500 bytes in the same 0.5 s');
      mock.timers.tick(500);
      await settle();
      assert.deepEqual(passed.sort(), ['a1', 'a2', 'b1'], "a's second transfer waited for its first");
    } finally {
      mock.timers.reset();
    }
  });

  it('does not bank idle time', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    try {
      const throttle = new ConnectionThrottle(() => 1000);
      const a = {} as Socket;
      let done = false;
      void throttle.pass(a, 100).then(() => undefined);
      mock.timers.tick(10_000);
      void throttle.pass(a, 200).then(() => (done = true));
      mock.timers.tick(199);
      await settle();
      assert.equal(done, false);
      mock.timers.tick(1);
      await settle();
      assert.equal(done, true);
    } finally {
      mock.timers.reset();
    }
  });
});

describe('network profile', () => {
  let e: StartedEmulator;
  before(async () => {
    // A small cap keeps the test short; what is checked is the bytes, not the time.
    e = await startEmulator({ adminApi: true, faults: { netRatePerConnection: 4 * 1024 * 1024, latencyMs: 5 } });
  });
  after(() => e.close());

  const admin = async (method: string, body?: unknown) => {
    const r = await fetch(`${e.endpoint}/admin/faults`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: r.status, body: (await r.json()) as any };
  };

  it('keeps uploads and ranged downloads byte-identical under the cap', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const partSize = 1024 * 1024;
    const token = e.account.access_token;
    const created = await pds(e.endpoint, token, 'file/create', {
      drive_id: e.account.drive_id, parent_file_id: 'root', name: 'shaped.bin', type: 'file', size: data.length,
      part_info_list: [1, 2, 3, 4].map((n) => ({ part_number: n })),
    });
    assert.equal(created.status, 201);
    for (let i = 0; i < 4; i++) {
      const r = await fetch(created.body.part_info_list[i].upload_url, { method: 'PUT', body: bytes(data.subarray(i * partSize, (i + 1) * partSize)) });
      assert.equal(r.status, 200);
    }
    const done = await pds(e.endpoint, token, 'file/complete', { drive_id: e.account.drive_id, file_id: created.body.file_id, upload_id: created.body.upload_id });
    assert.equal(done.body.content_hash, sha1Hex(data));
    assert.equal(sha1Hex(await readFile(e, created.body.file_id)), sha1Hex(data));
    const u = await pds(e.endpoint, token, 'file/get_download_url', { drive_id: e.account.drive_id, file_id: created.body.file_id });
    const ranged = await fetch(u.body.url, { headers: { range: 'bytes=1000000-2999999' } });
    assert.equal(ranged.status, 206);
    assert.equal(sha1Hex(Buffer.from(await ranged.arrayBuffer())), sha1Hex(data.subarray(1_000_000, 3_000_000)));
  });

  it('counts connections and data transfers at once', async () => {
    e.emu.resetStats();
    const data = randomBytes(256 * 1024);
    const token = e.account.access_token;
    const created = await pds(e.endpoint, token, 'file/create', {
      drive_id: e.account.drive_id, parent_file_id: 'root', name: 'count.bin', type: 'file', size: data.length, part_info_list: [{ part_number: 1 }],
    });
    await fetch(created.body.part_info_list[0].upload_url, { method: 'PUT', body: bytes(data) });
    await pds(e.endpoint, token, 'file/complete', { drive_id: e.account.drive_id, file_id: created.body.file_id, upload_id: created.body.upload_id });
    const u = await pds(e.endpoint, token, 'file/get_download_url', { drive_id: e.account.drive_id, file_id: created.body.file_id });
    const before = e.emu.stats.connections;
    const gets = await Promise.all([0, 1, 2].map(() => getOnNewConnection(u.body.url)));
    for (const g of gets) assert.equal(g, data.length);
    assert.equal(e.emu.stats.inFlightPeak['GET data'], 3, 'three downloads overlapped');
    assert.equal(e.emu.stats.connections - before, 3);
  });

  it('takes the wan preset and single settings through /admin/faults', async () => {
    const set = await admin('POST', { netProfile: 'wan' });
    assert.equal(set.status, 200);
    assert.equal(set.body.latencyMs, NET_PROFILES.wan.latencyMs);
    assert.equal(set.body.netRatePerConnection, 16 * 1024 * 1024);
    const override = await admin('POST', { netProfile: 'wan', latencyMs: 10 });
    assert.equal(override.body.latencyMs, 10, 'an explicit key overrides the preset');
    assert.equal((await admin('POST', { netProfile: 'moon' })).status, 400);
    assert.equal((await admin('POST', { netRatePerConnection: -1 })).status, 400);
    const none = await admin('POST', { netProfile: 'none' });
    assert.equal(none.body.latencyMs, 0);
    assert.equal(none.body.netRatePerConnection, 0);
  });
});

/** GETs on a connection of its own; resolves with the byte count. */
function getOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Lets promise callbacks that timers released run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
