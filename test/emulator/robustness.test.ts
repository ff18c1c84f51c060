// Bad input never makes the local PDS server answer 5xx: every /v2 route gets junk bodies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROUTES } from '../../src/emulator/router.js';
import { pds, startEmulator, type StartedEmulator } from '../helpers/emulator.js';
import { mkdir } from './support.js';

describe('robustness', () => {
  let e: StartedEmulator;
  let folder: string;
  before(async () => {
    e = await startEmulator();
    folder = await mkdir(e, 'root', 'victim');
  });
  after(() => e.close());

  it('answers junk bodies on every route with a 4xx and a PDS error body', async () => {
    const d = () => e.account.drive_id;
    const junk: unknown[] = [
      {},
      { drive_id: 1 },
      { drive_id: d(), file_id: {}, parent_file_id: [], name: null, type: 7 },
      { drive_id: d(), file_id: folder, parent_file_id: folder, to_parent_file_id: folder, name: 'x'.repeat(5000), type: 'file', size: 1e300 },
      { drive_id: d(), parent_file_id: 'root', limit: -1, marker: 'x', cursor: '!!', part_info_list: [{ part_number: 0 }], query: '((((', order_by: 'name SIDEWAYS' },
      { drive_id: d(), share_id: 'nope', file_id_list: 'x', expiration: 'soon', share_pwd: 5, async_task_id: 3, upload_id: [], file_path: {} },
      { drive_id: 'x'.repeat(100), user_id: 5, labels: 'a', local_modified_at: 12, check_name_mode: 'overwrite', expire_sec: 1e9 },
    ];
    for (const path of Object.keys(ROUTES)) {
      for (const body of junk) {
        const r = path === '/v2/oauth/token'
          ? await fetch(`${e.endpoint}${path}`, { method: 'POST', body: new URLSearchParams(Object.entries(body as object).map(([k, v]) => [k, String(v)])) })
              .then(async (res) => ({ status: res.status, body: (await res.json()) as any }))
          : await pds(e.endpoint, e.account.access_token, path, body);
        assert.ok(r.status >= 400 && r.status < 500 || r.status === 200, `${path} ${JSON.stringify(body).slice(0, 80)} → ${r.status} ${JSON.stringify(r.body)}`);
        if (r.status >= 400) assert.equal(typeof r.body.code, 'string', path);
      }
    }
  });
});
