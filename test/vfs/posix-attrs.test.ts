// The user_meta format of POSIX attributes and the rules for changing them.
import assert from 'node:assert/strict';
import { constants as fsc } from 'node:fs';
import { test } from 'node:test';
import { chmodAttrs, chownAttrs, newNodeAttrs, utimensAttrs } from '../../src/fuse/attr-changes.js';
import { currentAttrs, parsePosixMeta, withPosixMeta, type PosixAttrs } from '../../src/vfs/posix-attrs.js';

const attrs: PosixAttrs = {
  mode: fsc.S_IFREG | 0o4755, uid: 1000, gid: 100, rdev: 0,
  atime: 1_700_000_000_000_000_001n, mtime: 1_700_000_000_123_456_789n, ctime: -1_500_000_000n,
};

test('attributes round-trip through user_meta, to the nanosecond and before 1970', () => {
  const meta = withPosixMeta(undefined, attrs);
  assert.deepEqual(JSON.parse(meta), {
    'pdsfs.posix': { mode: 0o104755, uid: 1000, gid: 100, rdev: 0, atime: '1700000000.000000001', mtime: '1700000000.123456789', ctime: '-1.500000000' },
  });
  assert.deepEqual(parsePosixMeta(meta), attrs);
});

test("other tools' keys are kept; their free text is neither read nor overwritten", () => {
  const meta = withPosixMeta('{"other":{"x":1}}', attrs);
  assert.deepEqual(JSON.parse(meta).other, { x: 1 });
  assert.equal(parsePosixMeta('just some words'), undefined);
  assert.equal(parsePosixMeta('{"pdsfs.posix":{"mode":"rw"}}'), undefined, 'a malformed entry is no attributes');
  assert.throws(() => withPosixMeta('just some words', attrs), { code: 'EPERM' });
});

test('a content change elsewhere wins over the stored mtime, and ctime follows', () => {
  assert.equal(currentAttrs(attrs, 1_700_000_000_123), attrs, 'same millisecond: the stored ns stand');
  const changed = currentAttrs(attrs, 1_800_000_000_000);
  assert.equal(changed.mtime, 1_800_000_000_000_000_000n);
  assert.equal(changed.ctime, 1_800_000_000_000_000_000n);
});

test('new nodes: the caller owns them; a setgid folder passes on its group, and setgid to folders', () => {
  const parent = { ...attrs, mode: fsc.S_IFDIR | 0o2775, gid: 99 };
  const file = newNodeAttrs(fsc.S_IFREG | 0o644, { uid: 5, gid: 6 }, parent);
  assert.deepEqual([file.mode, file.uid, file.gid], [fsc.S_IFREG | 0o644, 5, 99]);
  assert.equal(file.atime, file.ctime);
  const dir = newNodeAttrs(fsc.S_IFDIR | 0o755, { uid: 5, gid: 6 }, parent);
  assert.deepEqual([dir.mode, dir.gid], [fsc.S_IFDIR | 0o2755, 99]);
  const plain = newNodeAttrs(fsc.S_IFDIR | 0o755, { uid: 5, gid: 6 }, { ...parent, mode: fsc.S_IFDIR | 0o755 });
  assert.deepEqual([plain.mode, plain.gid], [fsc.S_IFDIR | 0o755, 6]);
});

test('chmod keeps the type; chown clears setuid and group-executable setgid; both move ctime', () => {
  const m = chmodAttrs(attrs, 0o100600);
  assert.equal(m.mode, fsc.S_IFREG | 0o600);
  assert.ok(m.ctime > attrs.ctime);
  const o = chownAttrs({ ...attrs, mode: fsc.S_IFREG | 0o6755 }, 7, 0xffffffff);
  assert.deepEqual([o.mode, o.uid, o.gid], [fsc.S_IFREG | 0o755, 7, 100]);
  assert.equal(chownAttrs({ ...attrs, mode: fsc.S_IFREG | 0o2745 }, 7, 8).mode, fsc.S_IFREG | 0o2745, 'setgid without group x is a lock mark');
  assert.equal(chownAttrs({ ...attrs, mode: fsc.S_IFDIR | 0o2755 }, 7, 8).mode, fsc.S_IFDIR | 0o2755);
});

test('utimens: UTIME_OMIT keeps a time, UTIME_NOW takes the clock', () => {
  const u = utimensAttrs(attrs, 'omit', 5n);
  assert.deepEqual([u.atime, u.mtime], [attrs.atime, 5n]);
  const n = utimensAttrs(attrs, 'now', 'omit');
  assert.equal(n.mtime, attrs.mtime);
  assert.ok(n.atime > attrs.mtime && n.atime <= n.ctime);
});
