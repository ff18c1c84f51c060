// Listings by offset (dir-streams.ts) over an in-memory paged listing, playing the kernel: it takes
// what fits its buffer and asks again from the last name it took. Counted, never timed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DirStreams, NAMES_PER_CALL, type ListedPage } from '../../src/fuse/dir-streams.js';
import type { NodeInfo } from '../../src/vfs/types.js';

const PAGE = 100;

/** A folder whose listing is read in pages of PAGE, counting the pages read and the readers left open. */
function folder(count: number) {
  const names = Array.from({ length: count }, (_, i) => `f${String(i).padStart(6, '0')}`);
  const state = { pagesRead: 0, open: 0 };
  async function* pages(): AsyncGenerator<NodeInfo[]> {
    state.open++;
    try {
      for (let i = 0; i < names.length; i += PAGE) {
        state.pagesRead++;
        yield names.slice(i, i + PAGE).map((name) => ({ name }) as NodeInfo);
      }
    } finally {
      state.open--;
    }
  }
  return { names, state, pages };
}

function streamsOver(pages: (path: string) => AsyncIterable<NodeInfo[]>, now = () => 0): DirStreams {
  return new DirStreams({ pages, listable: (n) => n.length < 10, onSkipped: () => undefined, now });
}

/**
 * Reads the whole listing as a kernel with room for `room` names per call would, through the
 * binding: after a page that ends its listing and was taken whole, the binding answers "no more".
 */
async function kernelReads(streams: DirStreams, room: number): Promise<{ names: string[]; calls: ListedPage[] }> {
  const names: string[] = [];
  const calls: ListedPage[] = [];
  let offset = 0;
  for (;;) {
    const page = await streams.read('/big', offset);
    calls.push(page);
    if (page.names.length === 0) return { names, calls };
    const taken = Math.min(room, page.names.length);
    names.push(...page.names.slice(0, taken));
    if (page.end && taken === page.names.length) return { names, calls };
    offset = page.offsets[taken - 1]!;
  }
}

test('a kernel with room for 100 names gets about 100 per call after the first, and every name once', async () => {
  const f = folder(10_000);
  const streams = streamsOver(f.pages);
  const { names, calls } = await kernelReads(streams, 100);
  assert.deepEqual(names, ['.', '..', ...f.names]);
  assert.equal(calls[0]!.names.length, NAMES_PER_CALL);
  assert.ok(calls.slice(2, -2).every((c) => c.names.length <= 112), `names per call: ${calls.map((c) => c.names.length).join(',')}`);
  assert.ok(f.state.pagesRead <= 10_000 / PAGE + 1, `pages read: ${f.state.pagesRead}`);
  assert.equal(f.state.open, 0, 'the listing is closed at its end');
  assert.equal(streams.counts.restarts, 0);
});

test('a kernel that takes all it is given gets up to NAMES_PER_CALL per call', async () => {
  const f = folder(10_000);
  const { names, calls } = await kernelReads(streamsOver(f.pages), Infinity);
  assert.equal(names.length, 10_002);
  assert.ok(calls.length <= Math.ceil(10_002 / NAMES_PER_CALL) + 1, `calls: ${calls.length}`);
});

test('an offset from a listing dropped as idle starts over and skips by position', async () => {
  const f = folder(5000);
  const other = folder(1);
  let now = 0;
  const streams = streamsOver((p) => (p === '/big' ? f.pages() : other.pages()), () => now);
  const first = await streams.read('/big', 0);
  const resumeAt = first.offsets[499]!; // the kernel took '.', '..' and f000000 … f000497
  assert.equal(f.state.open, 1);
  now = 61_000;
  await streams.read('/other', 0); // drops the idle listing of /big
  assert.equal(f.state.open, 0, 'the idle listing was closed');
  const next = await streams.read('/big', resumeAt);
  assert.equal(next.names[0], 'f000498');
  assert.equal(streams.counts.restarts, 1);
});

test('names the kernel cannot take are left out of the listing and reported once', async () => {
  const f = folder(5);
  const skipped: number[] = [];
  const streams = new DirStreams({ pages: f.pages, listable: (n) => n !== 'f000002', onSkipped: (_p, n) => skipped.push(n) });
  const { names } = await kernelReads(streams, 100);
  assert.deepEqual(names, ['.', '..', 'f000000', 'f000001', 'f000003', 'f000004']);
  assert.deepEqual(skipped, [1]);
});

test('a folder whose names fit one kernel buffer is one call that ends the listing and closes its reader; a kernel taking fewer still gets every name once', async () => {
  const f = folder(20);
  const whole = await kernelReads(streamsOver(f.pages), 100);
  assert.deepEqual(whole.names, ['.', '..', ...f.names]);
  assert.equal(whole.calls.length, 1);
  assert.equal(whole.calls[0]!.end, true);
  assert.equal(f.state.open, 0, 'no reader left open');

  const part = await kernelReads(streamsOver(f.pages), 8);
  assert.deepEqual(part.names, ['.', '..', ...f.names]);
  assert.equal(f.state.open, 0);

  const big = folder(500);
  const { calls } = await kernelReads(streamsOver(big.pages), 100);
  assert.ok(calls.every((c) => !c.end), 'names beyond one buffer: the listing ends with an empty page, as before');
});
