// Each upload is logged at debug; at info the uploads are told as a count, at most once in 10 s and
// at close (a line per file cost the main thread 10–30 µs, and an rsync of small files thousands of
// lines in the default log).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { startApp, writeFile } from '../helpers/app.js';

test('uploads are told at info as one count, each file at debug', async () => {
  const lines: { level: number; msg: string; name?: string; files?: number; bytes?: number }[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const s = await startApp({ drive: '1' }, {}, { logger });
  try {
    for (let i = 0; i < 5; i++) await writeFile(s.vfs, `/log${i}.txt`, Buffer.alloc(100 + i, 1));
    await s.vfs.drain();
    const uploaded = () => lines.filter((l) => l.msg === 'uploaded');
    assert.deepEqual(uploaded().map((l) => [l.level, l.name]).sort(), [0, 1, 2, 3, 4].map((i) => [20, `log${i}.txt`]), 'each file at debug');
  } finally {
    await s.close();
  }
  const told = lines.filter((l) => l.msg === 'uploaded' && l.level === 30);
  assert.deepEqual(told.map((l) => [l.files, l.bytes]), [[5, 510]], 'one count at info, at close at the latest');
});
