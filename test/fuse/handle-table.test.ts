import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HandleTable, isHiddenName, READ_ONLY_FD_BIT } from '../../src/fuse/handle-table.js';
import type { FileHandle } from '../../src/vfs/types.js';

// The table only stores handles; these never get called.
const handle = (path: string) => ({ path }) as unknown as FileHandle;
const R = { read: true, write: false };
const W = { read: true, write: true };

test('fds are positive, distinct, and released ones are gone', () => {
  const t = new HandleTable();
  const a = t.add(handle('/a'), R, '/a');
  const b = t.add(handle('/a'), W, '/a');
  assert.ok(a.fd > 0 && b.fd > 0 && a.fd !== b.fd);
  assert.equal(t.get(a.fd), a);
  assert.deepEqual(t.at('/a').map((e) => e.fd).sort(), [a.fd, b.fd].sort());
  assert.equal(t.remove(a.fd), a);
  assert.equal(t.get(a.fd), undefined);
  assert.equal(t.remove(a.fd), undefined);
  assert.deepEqual(t.at('/a'), [b]);
  t.remove(b.fd);
  assert.equal(t.size, 0);
  assert.deepEqual(t.at('/a'), []);
});

test('writers counts the entries that can write; takeAll empties the table and returns every entry', () => {
  const t = new HandleTable();
  const r = t.add(handle('/a'), R, '/a');
  const w = t.add(handle('/a'), W, '/a');
  const v = t.add(handle('/b'), W, '/b');
  assert.equal(t.writers, 2);
  t.remove(v.fd);
  assert.equal(t.writers, 1);
  assert.deepEqual(t.takeAll().map((e) => e.fd).sort(), [r.fd, w.fd].sort());
  assert.equal(t.size, 0);
  assert.equal(t.writers, 0);
  assert.deepEqual(t.at('/a'), []);
  assert.deepEqual(t.takeAll(), []);
});

test('the fd of a handle that cannot write carries READ_ONLY_FD_BIT, the others never do', () => {
  const t = new HandleTable();
  for (let i = 0; i < 3; i++) {
    const r = t.add(handle('/r'), R, '/r');
    const w = t.add(handle('/w'), W, '/w');
    const wo = t.add(handle('/w'), { read: false, write: true }, '/w');
    assert.equal(r.fd & READ_ONLY_FD_BIT, READ_ONLY_FD_BIT);
    assert.equal(w.fd & READ_ONLY_FD_BIT, 0);
    assert.equal(wo.fd & READ_ONLY_FD_BIT, 0);
    assert.ok(r.fd > 0 && r.fd <= 0x7fffffff);
  }
});

test('renaming a directory moves the open entries below it, not its namesakes', () => {
  const t = new HandleTable();
  const inside = t.add(handle('/d/x/f'), R, '/d/x/f');
  const sibling = t.add(handle('/d/xy'), R, '/d/xy');
  t.renamed('/d/x', '/e');
  assert.equal(inside.path, '/e/f');
  assert.deepEqual(t.at('/e/f'), [inside]);
  assert.deepEqual(t.at('/d/x/f'), []);
  assert.equal(sibling.path, '/d/xy');
});

test('an unlinked open file keeps its handles under the hidden name until the final unlink', () => {
  const t = new HandleTable();
  const h = handle('/d/f');
  const e = t.add(h, R, '/d/f');
  const hidden = '/d/.fuse_hidden0000000200000001';
  assert.ok(isHiddenName('.fuse_hidden0000000200000001'));
  assert.ok(!isHiddenName('.fuse_hidden'));
  t.hide('/d/f', hidden);
  assert.deepEqual(t.at('/d/f'), []);
  assert.equal(t.at(hidden)[0]?.handle, h);
  assert.equal(e.unlinked, true);
  assert.equal(t.get(e.fd)?.handle, h, 'still readable by fd');
  t.remove(e.fd);
  assert.equal(t.takeHidden(hidden), true);
  assert.equal(t.takeHidden(hidden), false, 'only once');
});
