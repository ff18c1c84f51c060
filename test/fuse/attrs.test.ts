import assert from 'node:assert/strict';
import { constants as fsc } from 'node:fs';
import { test } from 'node:test';
import { decodeOpenFlags, toStat, toStatfs, UNLIMITED_BYTES } from '../../src/fuse/attrs.js';
import type { NodeInfo } from '../../src/vfs/types.js';

const node = (over: Partial<NodeInfo>): NodeInfo => ({
  path: '/f', name: 'f', kind: 'file', size: 1000, mtime: 1_700_000_000_123, ctime: 1_600_000_000_000,
  etag: 'e', ino: 42, readOnly: false, pending: false, ...over,
});
const own = { uid: 1001, gid: 1002, umask: 0o022 };

test('files and directories get 0644 and 0755 under umask 022', () => {
  const f = toStat(node({}), own);
  assert.equal(f.mode, fsc.S_IFREG | 0o644);
  assert.equal(f.size, 1000);
  assert.equal(f.nlink, 1);
  assert.equal(f.blocks, 2);
  assert.equal(f.ino, 42);
  assert.equal(f.uid, 1001);
  assert.equal(f.gid, 1002);
  assert.equal(f.mtime, 1_700_000_000_123_000_000n);
  const d = toStat(node({ kind: 'dir', size: 0 }), own);
  assert.equal(d.mode, fsc.S_IFDIR | 0o755);
  assert.equal(d.nlink, 2);
});

test('umask and read-only volumes narrow the permissions', () => {
  assert.equal(toStat(node({}), { ...own, umask: 0o077 }).mode & 0o777, 0o600);
  assert.equal(toStat(node({ readOnly: true }), own).mode & 0o777, 0o444);
  assert.equal(toStat(node({ kind: 'dir', readOnly: true }), own).mode & 0o777, 0o555);
});

test('statfs reports the quota in uint32-sized block counts', () => {
  const GiB = 1024 ** 3;
  const s = toStatfs({ total: 100 * GiB, used: 40 * GiB, free: 60 * GiB });
  assert.equal(s.bsize * s.blocks, 100 * GiB);
  assert.equal(s.bsize * s.bavail, 60 * GiB);
  const huge = toStatfs({ total: 64 * 1024 ** 4, used: 0, free: 64 * 1024 ** 4 });
  assert.ok(huge.blocks <= 0xffffffff && huge.blocks * huge.bsize === 64 * 1024 ** 4);
});

test('statfs: unlimited quota is large, and free space never rounds to zero', () => {
  const unlimited = toStatfs({ total: Infinity, used: 5 * 1024 ** 3, free: Infinity });
  assert.ok(unlimited.bavail * unlimited.bsize >= UNLIMITED_BYTES - 5 * 1024 ** 3);
  assert.ok(unlimited.blocks <= 0xffffffff);
  const almostFull = toStatfs({ total: 1024 ** 3, used: 1024 ** 3 - 100, free: 100 });
  assert.equal(almostFull.bavail, 1);
  assert.equal(toStatfs({ total: 1024 ** 3, used: 1024 ** 3, free: 0 }).bavail, 0);
});

test('open flags decode access mode, O_TRUNC and O_APPEND', () => {
  assert.deepEqual(decodeOpenFlags(fsc.O_RDONLY), { read: true, write: false, truncate: false, append: false });
  assert.deepEqual(decodeOpenFlags(fsc.O_WRONLY | fsc.O_TRUNC), { read: false, write: true, truncate: true, append: false });
  assert.deepEqual(decodeOpenFlags(fsc.O_RDWR | fsc.O_APPEND), { read: true, write: true, truncate: false, append: true });
});
