// Progress of long CLI operations: a cli-progress bar on a terminal, plain throttled lines elsewhere,
// and the drain progress built on them.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { drainProgress, progressReporter } from '../../src/control/progress.js';

function sink(isTTY: boolean): Writable & { isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY: boolean; columns: number; text(): string };
  out.isTTY = isTTY;
  out.columns = 100;
  out.text = () => chunks.join('');
  return out;
}

test('plain lines when not a terminal: throttled, the last one always shown', () => {
  const out = sink(false);
  const p = progressReporter('saving', 40, { out });
  for (let i = 1; i <= 39; i++) p.update(i, { text: `item ${i}` });
  p.stop();
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines[0], 'saving: 1 of 40 · item 1');
  assert.equal(lines.at(-1), 'saving: 39 of 40 · item 39', 'stop prints where it ended');
  assert.ok(lines.length < 10, `throttled to about one line a second: ${lines.length}`);
  assert.ok(!out.text().includes('\x1b'), 'no terminal escapes in a log');
});

test('a cli-progress bar on a terminal', () => {
  const out = sink(true);
  const p = progressReporter('copying', 10, { out });
  p.update(5, { text: 'photos' });
  p.stop();
  const text = out.text();
  assert.match(text, /copying \[[^\]]+\] 50% 5 of 10 · photos/);
  assert.match(text, /\x1b\[\?25l/, 'the cursor is hidden while the bar runs');
});

test('drain progress: bytes uploaded of those pending, silent when nothing was pending', () => {
  const quiet = sink(false);
  const idle = drainProgress({ out: quiet });
  idle.update(0, 0);
  idle.done();
  assert.equal(quiet.text(), '');

  const out = sink(false);
  const d = drainProgress({ out });
  d.update(3, 3 * 1024 * 1024);
  d.update(1, 1024 * 1024);
  d.update(0, 0);
  d.done();
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines[0], 'uploading: 0 B of 3.0 MiB · 3 files left');
  assert.equal(lines.at(-1), 'uploading: 3.0 MiB of 3.0 MiB · uploads done');
});
