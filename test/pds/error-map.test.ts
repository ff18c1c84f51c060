import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toVfsError, VFS_CODES, VfsError } from '../../src/core/errors.js';
import { KNOWN_PDS_CODES, PDS_ERROR_TABLE, lookupPdsCode, vfsCodeOf } from '../../src/pds/error-map.js';
import { PdsError, pdsErrorFromNetwork, pdsErrorFromResponse, retryAfterFromHeaders } from '../../src/pds/errors.js';

const err = (status: number, code: string, message = ''): PdsError => new PdsError({ status, code, message });

test('every known PDS code maps to a VfsCode', () => {
  assert.ok(KNOWN_PDS_CODES.length > 50);
  for (const code of KNOWN_PDS_CODES) {
    const vfs = lookupPdsCode(code);
    assert.ok(vfs && (VFS_CODES as readonly string[]).includes(vfs), `${code} → ${vfs}`);
  }
});

test('documented codes map to the expected errno', () => {
  const cases: [PdsError, string][] = [
    [err(404, 'NotFound.File'), 'ENOENT'],
    [err(404, 'NotFound.SomethingNew'), 'ENOENT'],
    [err(409, 'AlreadyExist.File'), 'EEXIST'],
    [err(400, 'InvalidParameter.Name', 'The name is longer than 1024 bytes.'), 'ENAMETOOLONG'],
    [err(400, 'InvalidParameter.Name', 'The name must not contain "/" or control characters.'), 'EINVAL'],
    [err(400, 'InvalidParameter.Limit', 'limit out of range'), 'EINVAL'],
    [err(403, 'ForbiddenNoPermission.File'), 'EACCES'],
    [err(403, 'ForbiddenFileInTheRecycleBin'), 'ENOENT'],
    [err(400, 'InvalidResource.SharePwd'), 'EACCES'],
    [err(400, 'ShareLink.Expired'), 'EACCES'],
    [err(400, 'QuotaExhausted.Drive'), 'ENOSPC'],
    [err(403, 'ExceedCapacityForbidden'), 'ENOSPC'],
    [err(409, 'StateConflict'), 'EBUSY'],
    [err(429, 'TooManyRequests'), 'EAGAIN'],
    [err(500, 'InternalError'), 'EIO'],
    [err(503, 'ServiceUnavailable'), 'EAGAIN'],
    [err(504, 'D504TO'), 'ETIMEDOUT'],
    [err(401, 'AccessTokenInvalid'), 'EACCES'],
    [err(403, 'CheckRouterAccessFailed'), 'EPERM'],
    // unknown codes fall back to the status
    [err(404, 'Weird'), 'ENOENT'],
    [err(409, 'Weird'), 'EEXIST'],
    [err(502, 'Http502'), 'EIO'],
  ];
  for (const [e, code] of cases) assert.equal(vfsCodeOf(e), code, `${e.status} ${e.code}`);
});

test('network failures: timeouts → ETIMEDOUT, others → EIO; connect errors count as unsent', () => {
  const timeout = pdsErrorFromNetwork(Object.assign(new Error('timeout of 10ms exceeded'), { code: 'ECONNABORTED' }));
  assert.equal(timeout.code, 'ETIMEDOUT');
  assert.equal(vfsCodeOf(timeout), 'ETIMEDOUT');
  const refused = pdsErrorFromNetwork(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  assert.equal(refused.sent, false);
  assert.equal(vfsCodeOf(refused), 'EIO');
  const reset = pdsErrorFromNetwork(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  assert.equal(reset.sent, true);
  assert.equal(pdsErrorFromNetwork(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true).sent, false);
});

test('PdsError parses JSON bodies, gateway headers and OSS XML', () => {
  const json = pdsErrorFromResponse(404, { 'x-ca-request-id': 'R1' }, '{"code":"NotFound.File","message":"gone"}');
  assert.deepEqual([json.status, json.code, json.message, json.requestId, json.type], [404, 'NotFound.File', 'gone', 'R1', 'ClientError']);
  const caps = pdsErrorFromResponse(400, {}, { Code: 'InvalidParameter', Message: 'bad', RequestId: 'R2' });
  assert.deepEqual([caps.code, caps.message, caps.requestId], ['InvalidParameter', 'bad', 'R2']);
  const gw = pdsErrorFromResponse(504, { 'x-ca-error-code': 'D504TO', 'x-ca-error-message': 'timeout', 'x-ca-request-id': 'R3' }, '');
  assert.deepEqual([gw.code, gw.message, gw.requestId, gw.type], ['D504TO', 'timeout', 'R3', 'ServerError']);
  assert.equal(vfsCodeOf(gw), 'ETIMEDOUT');
  const xml = pdsErrorFromResponse(403, {}, '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired.</Message><RequestId>R4</RequestId></Error>');
  assert.deepEqual([xml.code, xml.message, xml.requestId], ['AccessDenied', 'Request has expired.', 'R4']);
  const plain = pdsErrorFromResponse(502, {}, 'Bad Gateway');
  assert.equal(plain.code, 'Http502');
  assert.equal(plain.retryable, true);
});

test('retry hints: x-retry-after in ms wins over Retry-After in s', () => {
  assert.equal(retryAfterFromHeaders({ 'x-retry-after': '1500', 'retry-after': '9' }), 1500);
  assert.equal(retryAfterFromHeaders({ 'retry-after': '2' }), 2000);
  assert.equal(retryAfterFromHeaders({}), undefined);
  assert.equal(pdsErrorFromResponse(429, { 'retry-after': '1' }, '{"code":"TooManyRequests","message":""}').retryAfterMs, 1000);
});

test('toVfsError keeps the PdsError as cause and passes VfsErrors through', () => {
  const pds = err(409, 'AlreadyExist.File', 'exists');
  const v = toVfsError(pds, '/a');
  assert.ok(v instanceof VfsError);
  assert.equal(v.code, 'EEXIST');
  assert.equal(v.path, '/a');
  assert.equal(v.cause, pds);
  assert.equal(toVfsError(v), v);
  assert.equal(toVfsError(new Error('x')).code, 'EIO');
  assert.equal(PDS_ERROR_TABLE['NotFound.UploadId'], 'ENOENT');
});
