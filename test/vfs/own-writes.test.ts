// OwnWrites keeps, per volume whose feed is polled, the nodes written since its last pass began; a
// volume no pass takes them from (a share link has no feed) keeps none, so they cannot pile up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OwnWrites } from '../../src/vfs/own-writes.js';

test('a volume keeps its written nodes from its first feed pass on, each pass takes those since the one before', () => {
  const own = new OwnWrites();
  own.wrote('drive', 'a');
  assert.deepEqual([...own.takeRecent('drive')], [], 'before the first pass nothing is kept');
  own.wrote('drive', 'b');
  own.wrote('drive', 'c');
  own.wrote('drive', 'b');
  assert.deepEqual([...own.takeRecent('drive')].sort(), ['b', 'c']);
  assert.deepEqual([...own.takeRecent('drive')], [], 'taken once');
});

test('a volume without feed passes keeps no written nodes', () => {
  const own = new OwnWrites();
  own.takeRecent('drive');
  for (let i = 0; i < 1000; i++) own.wrote('share', `n${i}`);
  own.wrote('drive', 'd');
  assert.deepEqual([...own.takeRecent('drive')], ['d']);
  assert.equal((own as unknown as { recent: Map<string, Set<string>> }).recent.get('share'), undefined);
});
