// Bad input never makes the local PDS server answer 5xx: every /v2 route gets junk bodies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROUTES } from '../../src/emulator/router.js';
import { pds, startEmulator, type StartedEmulator } from '../helpers/emulator.js';
import { mkdir } from './support.js';

/**
 * The junk bodies (by index below) a route rightly answers 200: it reads only fields that are valid
 * there and ignores the rest, as the service ignores fields it does not know. Any other pair must be
 * refused with a 4xx, so a route that starts accepting junk fails this test.
 */
const ACCEPTED: Readonly<Record<string, readonly number[]>> = {
  // No required parameter: every body without a wrongly typed one of theirs is a valid request.
  '/v2/drive/list_my_drives': [0, 1, 2, 3, 5, 6],
  '/v2/drive/list_my_group_drive': [0, 1, 2, 3, 5, 6],
  '/v2/drive/list': [0, 1, 2, 3, 5, 6],
  '/v2/drive/get_default_drive': [0, 1, 2, 3, 4, 5],
  '/v2/user/get': [0, 1, 2, 3, 4, 5],
  '/v2/share_link/list': [0, 1, 2, 3, 5, 6],
  // They read the valid drive_id (and the valid ids of body 3) and nothing the junk is in.
  '/v2/drive/get': [2, 3, 4, 5],
  '/v2/file/search': [2, 3, 5],
  '/v2/recyclebin/list': [2, 3, 5],
  '/v2/recyclebin/clear': [2, 3, 4, 5],
  '/v2/file/get_last_cursor': [2, 3, 4, 5],
  '/v2/file/list_delta': [2, 3, 5],
  '/v2/file/list': [3],
  '/v2/file/get': [3],
  '/v2/recyclebin/trash': [3],
  '/v2/recyclebin/restore': [3],
  '/v2/file/delete': [3],
};

describe('robustness', () => {
  let e: StartedEmulator;
  let folder: string;
  before(async () => {
    e = await startEmulator();
    folder = await mkdir(e, 'root', 'victim');
  });
  after(() => e.close());

  it('answers junk bodies on every route with a 4xx and a PDS error body, unless the route ignores the junk', async () => {
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
        const what = `${path} body ${junk.indexOf(body)} ${JSON.stringify(body).slice(0, 80)} → ${r.status} ${JSON.stringify(r.body)}`;
        if (ACCEPTED[path]?.includes(junk.indexOf(body))) {
          assert.ok(r.status >= 200 && r.status < 300, what);
        } else {
          assert.ok(r.status >= 400 && r.status < 500, what);
          assert.equal(typeof r.body.code, 'string', what);
        }
      }
    }
  });
});
