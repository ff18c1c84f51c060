// A drain looks at the upload queue (its counts, the volumes waiting for a login, the rows still in
// their write-back delay) when the last running upload ends, or at most every 100 ms while uploads
// end: not once per upload. Counted through its progress callback, which each look calls once;
// the local server's added latency keeps each upload in flight for a few round trips.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startApp, writeFile } from '../helpers/app.js';

test('a drain of many small uploads looks at the queue a few times, not once per upload', async () => {
  const s = await startApp({ writeBackMs: 60_000 });
  after(() => s.close());
  const dir = `/drives/${s.app.volumes[0]!.dirName}`;
  const files = 48;
  for (let i = 0; i < files; i++) await writeFile(s.vfs, `${dir}/f${i}.txt`, Buffer.from(`file ${i}\n`));
  s.emu.setFaults({ latencyMs: 20 });
  const creates0 = s.emu.stats.requests['/v2/file/create'] ?? 0;
  const looks: number[] = [];
  await s.vfs.drain((pendingFiles) => looks.push(pendingFiles));
  assert.equal(s.admin.status().pendingFiles, 0);
  assert.equal((s.emu.stats.requests['/v2/file/create'] ?? 0) - creates0, files, 'every file was uploaded by the drain');
  assert.equal(looks[0], files, 'the first look sees them all');
  assert.equal(looks.at(-1), 0, 'the last look sees none');
  // Eight at a time, three round trips of 20 ms or more each: six waves of 60 ms or more, so a look per
  // 100 ms is about four; a look per upload end would be 49.
  assert.ok(looks.length <= files / 4, `looks: ${looks.length}`);
});
