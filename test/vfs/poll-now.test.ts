// A poll asked for while another is running must read the change feed after the ask: the running
// pass may have read it before a change the caller just made or heard of. (The listing bench once
// measured 0.02 s for applying 100,000 changes: its poll had joined a timer's pass that began
// before the changes were made.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pds, whileAnswerOnItsWay } from '../helpers/emulator.js';
import { type StartedApp, startApp } from '../helpers/app.js';

let s: StartedApp;
before(async () => {
  s = await startApp({ drive: '1' });
});
after(() => s?.close());

test('a poll asked for during a running pass sees changes made after that pass read the feed', async () => {
  await s.vfs.mkdir('/watched');
  assert.deepEqual(await s.vfs.readdir('/watched'), []);
  await s.admin.pollNow();
  const api = (path: string, body: object) => pds(s.endpoint, s.account.access_token, path, { drive_id: '1', ...body });
  const dirId = ((await api('file/get_by_path', { file_path: '/watched' })).body as { file_id: string }).file_id;

  // The running pass: the server has read the feed for it, and its answer crawls (256 B/s).
  const deltas = () => s.emu.stats.handled['/v2/file/list_delta'] ?? 0;
  const before = deltas();
  let running!: Promise<void>;
  await whileAnswerOnItsWay(s.emu, '/v2/file/list_delta', () => (running = s.admin.pollNow()), 256);

  const created = await api('file/create', { parent_file_id: dirId, name: 'made-meanwhile', type: 'folder', check_name_mode: 'refuse' });
  assert.equal(created.status, 201);
  await s.admin.pollNow();
  assert.deepEqual((await s.vfs.readdir('/watched')).map((n) => n.name), ['made-meanwhile']);
  await running;
  assert.ok(deltas() >= before + 2, 'a second pass read the feed');
});
