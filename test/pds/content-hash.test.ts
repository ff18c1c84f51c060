// content_hash_name: a content hash is a SHA-1 only when the file says so (sha1, or nothing); an
// upload to a domain hashing with something pdsfs cannot compute fails with a clear message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashNameOf, sha1Of, verifyStoredHash } from '../../src/pds/content-hash.js';
import { toRemoteEntry } from '../../src/pds/entry.js';
import { PdsError } from '../../src/pds/errors.js';
import { vfsCodeOf } from '../../src/pds/error-map.js';
import type { PdsFile } from '../../src/pds/wire-types.js';

const SHA1 = 'A9993E364706816ABA3E25717850C26C9CD0D89D';
const SHA256 = 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD';
const file = (over: Partial<PdsFile>): PdsFile => ({ file_id: 'f', parent_file_id: 'root', name: 'a', type: 'file', size: 3, ...over }) as PdsFile;

test('the hash name defaults to sha1; an entry carries a SHA-1 only when the domain hashes with SHA-1', () => {
  assert.equal(hashNameOf({}), 'sha1');
  assert.equal(hashNameOf({ content_hash_name: 'SHA256' }), 'sha256');
  assert.equal(sha1Of({ content_hash: SHA1.toLowerCase() }), SHA1);
  assert.equal(toRemoteEntry(file({ content_hash: SHA1, content_hash_name: 'sha1' })).contentHash, SHA1);
  const on256 = toRemoteEntry(file({ content_hash: SHA256, content_hash_name: 'sha256' }));
  assert.equal(on256.contentHash, undefined, 'a SHA-256 is never passed off as a SHA-1');
  assert.equal(on256.revision, SHA256, 'it still tells versions apart');
});

test('the stored hash is checked under its own name; an unknown name fails clearly', () => {
  verifyStoredHash(file({ content_hash: SHA1, content_hash_name: 'sha1' }), { sha1: [SHA1.toLowerCase()] });
  verifyStoredHash(file({ content_hash: SHA256, content_hash_name: 'sha256' }), { sha1: [SHA1] });
  assert.throws(
    () => verifyStoredHash(file({ content_hash: SHA1, content_hash_name: 'sha1' }), { sha1: ['0'.repeat(40)] }),
    (e: unknown) => e instanceof PdsError && e.code === 'ContentHashMismatch',
  );
  assert.throws(
    () => verifyStoredHash(file({ content_hash: 'X', content_hash_name: 'md5-custom' }), { sha1: [SHA1] }),
    (e: unknown) => e instanceof PdsError && e.code === 'UnsupportedContentHash' && /"md5-custom", which pdsfs cannot compute/.test(e.message) && vfsCodeOf(e) === 'EIO',
  );
});
