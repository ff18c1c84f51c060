// Fault injection: 5xx and 429 rates, latency, dropped and stalled data transfers, lost answers, and the /admin API.
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pds, startEmulator, type StartedEmulator } from '../helpers/emulator.js';
import { bytes, uploadFile } from './support.js';

/** GETs a URL with node:http; resolves with the status, the declared length and the bytes that arrived. */
function rawGet(url: string): Promise<{ status: number; declared: number; received: number; cut: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let received = 0;
      res.on('data', (c: Buffer) => (received += c.length));
      const finish = (cut: boolean) => resolve({ status: res.statusCode ?? 0, declared: Number(res.headers['content-length']), received, cut });
      res.on('end', () => finish(false));
      res.on('error', () => finish(true));
      res.on('aborted', () => finish(true));
    });
    req.on('error', reject);
  });
}

describe('faults', () => {
  let e: StartedEmulator;
  let url: string;
  let fileId: string;
  const data = randomBytes(512 * 1024);
  before(async () => {
    e = await startEmulator({ adminApi: true });
    fileId = (await uploadFile(e, 'root', 'f.bin', data)).file_id;
    url = (await pds(e.endpoint, e.account.access_token, 'file/get_download_url', { drive_id: e.account.drive_id, file_id: fileId })).body.url;
  });
  after(() => e.close());

  const list = () => pds(e.endpoint, e.account.access_token, 'file/list', { drive_id: e.account.drive_id, parent_file_id: 'root' });

  it('answers 500/503 at rate 1 on /v2 and data URLs, and counts each', async () => {
    const before = e.emu.faultsFired;
    e.emu.setFaults({ rate5xx: 1 });
    try {
      const seen = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const r = await list();
        assert.ok(r.status === 500 || r.status === 503, String(r.status));
        assert.equal(r.body.code, r.status === 500 ? 'InternalError' : 'ServiceUnavailable');
        assert.ok(r.headers.get('x-ca-request-id'));
        seen.add(r.status);
      }
      assert.equal(seen.size, 2, 'both 500 and 503 occur');
      const d = await fetch(url);
      assert.ok(d.status >= 500);
      assert.match(await d.text(), /<Error>/);
    } finally {
      e.emu.setFaults({ rate5xx: 0 });
    }
    assert.equal((await list()).status, 200);
    assert.deepEqual(e.emu.faultsFired, { ...before, http5xx: before.http5xx + 21 }, '20 listings and a download');
  });

  it('answers 429 with Retry-After and x-retry-after at rate 1, and counts each', async () => {
    const before = e.emu.faultsFired;
    e.emu.setFaults({ rate429: 1, retryAfterMs: 1500 });
    try {
      const r = await list();
      assert.equal(r.status, 429);
      assert.equal(r.body.code, 'TooManyRequests');
      assert.equal(r.headers.get('retry-after'), '2');
      assert.equal(r.headers.get('x-retry-after'), '1500');
      assert.equal((await fetch(url)).status, 429);
    } finally {
      e.emu.setFaults({ rate429: 0 });
    }
    assert.deepEqual(e.emu.faultsFired, { ...before, http429: before.http429 + 2 });
  });

  it('adds latency', async () => {
    e.emu.setFaults({ latencyMs: 150 });
    try {
      const t0 = Date.now();
      await list();
      assert.ok(Date.now() - t0 >= 140);
    } finally {
      e.emu.setFaults({ latencyMs: 0 });
    }
  });

  it('drops downloads mid-body and part uploads before the part is stored, and counts each', async () => {
    const before = e.emu.faultsFired;
    e.emu.setFaults({ dropRate: 1 });
    let session: any;
    try {
      const got = await rawGet(url);
      assert.equal(got.status, 200);
      assert.equal(got.declared, data.length);
      assert.ok(got.cut, 'the connection dies');
      assert.ok(got.received < data.length, `received ${got.received}`);

      session = (await pds(e.endpoint, e.account.access_token, 'file/create', { drive_id: e.account.drive_id, parent_file_id: 'root', name: 'p.bin', type: 'file', size: 100_000 })).body;
      await assert.rejects(fetch(session.part_info_list[0].upload_url, { method: 'PUT', body: bytes(randomBytes(100_000)) }));
    } finally {
      e.emu.setFaults({ dropRate: 0 });
    }
    const parts = await pds(e.endpoint, e.account.access_token, 'file/list_uploaded_parts', { drive_id: e.account.drive_id, file_id: session.file_id, upload_id: session.upload_id });
    assert.deepEqual(parts.body.uploaded_parts, []);
    const full = await rawGet(url);
    assert.equal(full.received, data.length);
    assert.deepEqual(e.emu.faultsFired, { ...before, drops: before.drops + 2 }, 'a download and a part upload');
  });

  it('stalls downloads mid-body: half the bytes, then silence on an open connection', async () => {
    const stalls = e.emu.faultsFired.stalls;
    e.emu.setFaults({ stallRate: 1 });
    let got: Buffer[] = [];
    let received = 0;
    const req = http.get(url);
    try {
      const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve));
      e.emu.setFaults({ stallRate: 0 });
      assert.equal(Number(res.headers['content-length']), data.length);
      res.on('data', (c: Buffer) => {
        got.push(c);
        received += c.length;
      });
      // Everything the server will send arrives quickly; then nothing more, and the connection stays up.
      const ended = new Promise((resolve) => res.once('close', resolve));
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(received, data.length / 2);
      assert.ok(Buffer.concat(got).equals(data.subarray(0, data.length / 2)));
      assert.equal(res.complete, false);
      assert.equal(req.destroyed, false, 'the connection is still open');
      assert.equal(e.emu.faultsFired.stalls, stalls + 1, 'the stall is counted');
      req.destroy();
      await ended;
    } finally {
      e.emu.setFaults({ stallRate: 0 });
      got = [];
    }
    assert.equal((await rawGet(url)).received, data.length, 'later transfers are whole again');
  });

  it('changes faults and reads stats through /admin, which faults never touch', async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${e.endpoint}/admin/${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    const set = await admin('POST', 'faults', { rate429: 1 });
    assert.equal(set.status, 200);
    assert.equal(((await set.json()) as any).rate429, 1);
    assert.equal((await list()).status, 429);
    const read = await admin('GET', 'faults');
    assert.equal(read.status, 200, 'admin is exempt from faults');
    assert.deepEqual(await read.json(), { rate5xx: 0, rate429: 1, latencyMs: 0, netRatePerConnection: 0, dropRate: 0, stallRate: 0, retryAfterMs: 1500, asyncRate: 0, asyncDelayMs: 200, silent: 0 });
    assert.equal((await admin('POST', 'faults', { rate429: 2 })).status, 400);
    await admin('POST', 'faults', { rate429: 0 });
    assert.equal((await list()).status, 200);
    const stats = (await (await admin('GET', 'stats')).json()) as any;
    assert.ok(stats.requests['/v2/file/list'] >= 2);
    assert.ok(stats.requests['GET data'] >= 1);
    assert.ok(stats.bytesDownloaded >= data.length);
    assert.equal((await admin('DELETE', 'stats')).status, 204);
    const reset = (await (await admin('GET', 'stats')).json()) as any;
    assert.deepEqual(reset.requests, {}, 'the counts start afresh');
    assert.equal(reset.bytesDownloaded, 0);
    assert.equal(reset.inFlightPeak['/v2/file/list'] ?? 0, 0, 'the peaks restart from what is in flight');
  });

  it('loses answers after the work (/admin/lost-answers): the folder is made, 503 comes back, and silentAfter then holds every request', async () => {
    const lose = (body: unknown) => fetch(`${e.endpoint}/admin/lost-answers`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    assert.equal((await lose({ key: '/v2/file/create', count: 'one' })).status, 400);
    assert.equal((await lose({ key: '/v2/file/create', count: 1 })).status, 200);
    const before = e.emu.faultsFired.lostAnswers;
    const mkdir = (name: string) => pds(e.endpoint, e.account.access_token, 'file/create', { drive_id: e.account.drive_id, parent_file_id: 'root', name, type: 'folder', check_name_mode: 'refuse' });
    const lost = await mkdir('lost answer');
    assert.deepEqual([lost.status, lost.body.code], [503, 'ServiceUnavailable']);
    const again = await mkdir('lost answer');
    assert.deepEqual([again.status, again.body.exist], [201, true], 'the lost request made the folder');
    assert.equal(e.emu.faultsFired.lostAnswers, before + 1);
    e.emu.loseAnswers('/v2/file/create', 1, { silentAfter: true });
    try {
      assert.equal((await mkdir('then silent')).status, 503);
      assert.equal(e.emu.silenced.now, 0);
      const held = mkdir('held');
      while (e.emu.silenced.now === 0) await new Promise((r) => setTimeout(r, 5));
      e.emu.setFaults({ silent: 0 });
      assert.equal((await held).status, 201);
    } finally {
      e.emu.setFaults({ silent: 0 });
    }
  });
});

describe('faults at start', () => {
  let e: StartedEmulator;
  before(async () => {
    e = await startEmulator({ faults: { rate429: 1 } });
  });
  after(() => e.close());

  it('applies faults given as options from the first request', async () => {
    const r = await pds(e.endpoint, e.account.access_token, 'user/get', {});
    assert.equal(r.status, 429);
  });
});

describe('async switch', () => {
  let e: StartedEmulator;
  before(async () => {
    e = await startEmulator({ adminApi: true, faults: { asyncRate: 1, asyncDelayMs: 50 } });
  });
  after(() => e.close());

  const call = (p: string, body: Record<string, unknown>) => pds(e.endpoint, e.account.access_token, p, { drive_id: e.account.drive_id, ...body });
  async function finished(taskId: string): Promise<any> {
    for (;;) {
      const t = await call('async_task/get', { async_task_id: taskId });
      assert.equal(t.status, 200);
      if (t.body.state !== 'Running') return t.body;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const names = async (parent: string) => (await call('file/list', { parent_file_id: parent })).body.items.map((f: any) => f.name).sort();

  it('answers move 200, trash, restore and delete 202, each with a task that applies the change', async () => {
    const dir = (await call('file/create', { parent_file_id: 'root', name: 'adir', type: 'folder' })).body.file_id;
    const f = await uploadFile(e, 'root', 'a.txt', Buffer.from('a'));

    const moved = await call('file/move', { file_id: f.file_id, to_parent_file_id: dir, new_name: 'b.txt' });
    assert.equal(moved.status, 200);
    assert.ok(moved.body.async_task_id);
    assert.equal((await finished(moved.body.async_task_id)).state, 'Succeed');
    assert.deepEqual(await names(dir), ['b.txt']);

    for (const [p, expect] of [['recyclebin/trash', []], ['recyclebin/restore', ['b.txt']], ['file/delete', []]] as const) {
      const r = await call(p, { file_id: f.file_id });
      assert.equal(r.status, 202, p);
      assert.ok(r.body.async_task_id, p);
      assert.equal((await finished(r.body.async_task_id)).state, 'Succeed', p);
      assert.deepEqual(await names(dir), expect, p);
    }
    // A task whose target vanished before it ran fails with the service's error code. The second
    // delete must arrive while the first is pending: with 50 ms a loaded machine (load 13) was
    // once slower, and the second found no file (404, no task).
    const g = await uploadFile(e, 'root', 'g.txt', Buffer.from('g'));
    e.emu.setFaults({ asyncDelayMs: 2000 });
    const first = await call('file/delete', { file_id: g.file_id });
    const second = await call('file/delete', { file_id: g.file_id });
    e.emu.setFaults({ asyncDelayMs: 50 });
    assert.ok(first.body.async_task_id && second.body.async_task_id, 'both deletes were deferred');
    assert.equal((await finished(first.body.async_task_id)).state, 'Succeed');
    const failed = await finished(second.body.async_task_id);
    assert.deepEqual([failed.state, failed.error_code], ['Failed', 'NotFound.File']);

    const stats = (await (await fetch(`${e.endpoint}/admin/stats`)).json()) as any;
    assert.equal(stats.asyncTasks, 6);
  });

  it('answers at once with the switch off: trash, restore and delete 204 without a body, move 200 with an empty task id', async () => {
    await fetch(`${e.endpoint}/admin/faults`, { method: 'POST', body: JSON.stringify({ asyncRate: 0 }), headers: { 'content-type': 'application/json' } });
    const f = await uploadFile(e, 'root', 'now.txt', Buffer.from('n'));
    const moved = await call('file/move', { file_id: f.file_id, to_parent_file_id: 'root', new_name: 'now2.txt' });
    assert.deepEqual([moved.status, moved.body.async_task_id], [200, '']);
    for (const p of ['recyclebin/trash', 'recyclebin/restore', 'file/delete']) {
      const r = await call(p, { file_id: f.file_id });
      assert.deepEqual([r.status, r.body], [204, ''], p);
    }
  });
});
