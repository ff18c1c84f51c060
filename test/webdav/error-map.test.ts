import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as dav from 'webdav-server/lib/index.v2.js';
import { VFS_CODES, VfsError } from '../../src/core/errors.js';
import { statusOf, toDavError, VFS_TO_DAV } from '../../src/webdav/error-map.js';

test('every VfsCode has an explicit WebDAV mapping with a real status', () => {
  for (const code of VFS_CODES) {
    assert.ok(Object.hasOwn(VFS_TO_DAV, code), `no entry for ${code}`);
    const status = statusOf(new VfsError(code, 'x'));
    assert.ok(status >= 400 && status < 600, `${code} → ${status}`);
  }
  assert.deepEqual(Object.keys(VFS_TO_DAV).sort(), [...VFS_CODES].sort());
});

test('statuses follow the error model table', () => {
  const expected: Record<string, number> = {
    ENOENT: 404, EEXIST: 409, ENOTDIR: 409, EISDIR: 405, ENOTEMPTY: 409, EACCES: 403, EPERM: 403, EROFS: 403,
    ENOSPC: 507, EINVAL: 400, ENAMETOOLONG: 400, EAGAIN: 503, EBUSY: 423, ETIMEDOUT: 504, EIO: 502, ENOSYS: 501, EXDEV: 502, EBADF: 500,
  };
  for (const [code, status] of Object.entries(expected)) assert.equal(statusOf(new VfsError(code as never, 'x')), status, code);
});

test('a missing parent while creating is a conflict, not a 404', () => {
  const err = new VfsError('ENOENT', 'x');
  assert.equal(toDavError(err, { creating: true }), dav.Errors.IntermediateResourceMissing);
  assert.equal(statusOf(err, { creating: true }), 409);
});

test('webdav-server singletons keep their status; anything else is 500', () => {
  assert.equal(statusOf(dav.Errors.Locked), 423);
  assert.equal(statusOf(new Error('boom')), 500);
  assert.equal(statusOf('not even an error'), 500);
});
