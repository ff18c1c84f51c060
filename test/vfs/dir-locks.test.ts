// Namespace changes lock only the folders they change: a slow server-side copy into one folder does
// not hold up a create in another (the local server's latency fault makes the copy slow).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFile, type StartedApp, startApp, writeFile } from '../helpers/app.js';

let s: StartedApp;
before(async () => {
  s = await startApp({ drive: '1' });
});
after(() => s?.close());

test('a slow server-side copy in one folder does not delay a create in another', async () => {
  const { vfs } = s;
  await vfs.mkdir('/src');
  await vfs.mkdir('/dst');
  await vfs.mkdir('/other');
  await writeFile(vfs, '/src/big.bin', Buffer.alloc(64 * 1024, 7));
  await vfs.drain();
  await vfs.readdir('/other'); // listed now: the create below needs no server call
  s.emu.setFaults({ latencyMs: 1500 });
  try {
    let copied = false;
    const copy = vfs.copy('/src', '/dst/copy').then(() => (copied = true));
    await writeFile(vfs, '/other/new.txt', Buffer.from('not held up'));
    assert.equal(copied, false, 'the create finished while the copy was still running');
    await copy;
    assert.equal(copied, true);
  } finally {
    s.emu.setFaults({ latencyMs: 0 });
  }
  assert.equal((await readFile(vfs, '/dst/copy/big.bin')).length, 64 * 1024);
  assert.equal((await readFile(vfs, '/other/new.txt')).toString(), 'not held up');
});

test('changes in one folder still run one at a time: two creates of one name make one file', async () => {
  const { vfs } = s;
  await vfs.mkdir('/race');
  const handles = await Promise.all([0, 1].map(() => vfs.open('/race/same.txt', { read: false, write: true, create: true })));
  for (const h of handles) await h.release();
  assert.deepEqual((await vfs.readdir('/race')).map((n) => n.name), ['same.txt']);
});
