import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LockTable, MAX_LOCK_TIMEOUT_SEC, parseTimeout } from '../../src/webdav/lock-table.js';

const base = { ownerXml: '', placeholder: false };

test('locks expire after their timeout and refresh extends them', () => {
  let now = 1_000_000;
  const locks = new LockTable(() => now);
  const l = locks.create({ ...base, root: '/a', depth: 0, scope: 'exclusive', timeoutSec: 10 });
  assert.ok(l.token.startsWith('urn:uuid:'));
  now += 9_000;
  assert.equal(locks.refresh(l.token, 10)?.expiresAt, now + 10_000);
  now += 9_000;
  assert.equal(locks.covering('/a').length, 1);
  now += 2_000;
  assert.equal(locks.covering('/a').length, 0);
  assert.equal(locks.get(l.token), undefined);
});

test('coverage: depth infinity reaches descendants, depth 0 does not', () => {
  const locks = new LockTable();
  const deep = locks.create({ ...base, root: '/c', depth: 'infinity', scope: 'exclusive', timeoutSec: 60 });
  locks.create({ ...base, root: '/d', depth: 0, scope: 'exclusive', timeoutSec: 60 });
  assert.deepEqual(locks.covering('/c/x/y').map((l) => l.token), [deep.token]);
  assert.equal(locks.covering('/d/x').length, 0);
  assert.equal(locks.covering('/cc').length, 0);
  assert.equal(locks.under('/').length, 2);
});

test('conflicts: exclusive excludes everything, shared locks coexist', () => {
  const locks = new LockTable();
  locks.create({ ...base, root: '/s', depth: 0, scope: 'shared', timeoutSec: 60 });
  assert.equal(locks.conflicts('/s', 0, 'shared').length, 0);
  assert.equal(locks.conflicts('/s', 0, 'exclusive').length, 1);
  locks.create({ ...base, root: '/c/f', depth: 0, scope: 'exclusive', timeoutSec: 60 });
  assert.equal(locks.conflicts('/c', 'infinity', 'exclusive').length, 1);
  assert.equal(locks.conflicts('/c', 0, 'exclusive').length, 0);
});

test('placeholders are found by path and listed in their folder', () => {
  const locks = new LockTable();
  const l = locks.create({ ...base, placeholder: true, root: '/dir/new.docx', depth: 0, scope: 'exclusive', timeoutSec: 60 });
  assert.equal(locks.placeholderAt('/dir/new.docx'), l);
  assert.deepEqual(locks.placeholdersIn('/dir').map((x) => x.root), ['/dir/new.docx']);
  assert.deepEqual(locks.placeholdersIn('/'), []);
  locks.dropUnder('/dir');
  assert.equal(locks.placeholderAt('/dir/new.docx'), undefined);
});

test('Timeout header parsing', () => {
  assert.equal(parseTimeout('Second-600'), 600);
  assert.equal(parseTimeout('Infinite, Second-4100000000'), MAX_LOCK_TIMEOUT_SEC);
  assert.equal(parseTimeout('Second-99999999'), MAX_LOCK_TIMEOUT_SEC);
  assert.equal(parseTimeout('garbage'), 3600);
  assert.equal(parseTimeout(undefined), 3600);
});
