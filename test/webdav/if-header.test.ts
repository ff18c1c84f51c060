import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateIf, IfHeaderSyntaxError, parseIfHeader, submittedTokens } from '../../src/webdav/if-header.js';

const T = 'urn:uuid:1111-2222';
const state = { etag: '"abc"', lockTokens: new Set([T]) };
const holds = (header: string) => evaluateIf(parseIfHeader(header), async () => state);

test('parses untagged and tagged lists, Not, tokens and entity tags', () => {
  assert.deepEqual(parseIfHeader(`(<${T}> ["abc"]) (Not <DAV:no-lock>)`), [
    { conditions: [{ not: false, token: T }, { not: false, etag: '"abc"' }] },
    { conditions: [{ not: true, token: 'DAV:no-lock' }] },
  ]);
  assert.deepEqual(parseIfHeader(`<http://h/coll/> (<${T}>)`), [{ resource: 'http://h/coll/', conditions: [{ not: false, token: T }] }]);
  assert.deepEqual(parseIfHeader('(NOT<a:b>)'), [{ conditions: [{ not: true, token: 'a:b' }] }]);
});

test('refuses malformed headers', () => {
  for (const bad of ['', '(', '()', '(<a:b>', 'junk', '(Nope <a:b>)', '([etag)']) assert.throws(() => parseIfHeader(bad), IfHeaderSyntaxError, bad);
});

test('litmus conditional PUTs evaluate as RFC 4918 §10.4 says', async () => {
  assert.equal(await holds(`(<${T}> ["abc"])`), true); // cond_put
  assert.equal(await holds('(<DAV:no-lock> ["abc"])'), false); // fail_cond_put
  assert.equal(await holds(`(<${T}>) (Not <DAV:no-lock>)`), true); // cond_put_with_not
  assert.equal(await holds(`(<${T}x>) (Not <DAV:no-lock>)`), true); // cond_put_corrupt_token: passes, then 423
  assert.equal(await holds(`(<${T}> ["abc"]) (Not <DAV:no-lock> ["abc"])`), true); // complex_cond_put
  assert.equal(await holds(`(<${T}> ["abd"]) (Not <DAV:no-lock> ["abd"])`), false); // fail_complex_cond_put
  assert.equal(await holds('(<DAV:no-lock>)'), false); // fail_cond_put_unlocked
  assert.equal(await holds('(W/"abc")'.replace('(', '([').replace(')', '])')), true); // weak comparison
});

test('only tokens outside Not are submitted', () => {
  assert.deepEqual([...submittedTokens(parseIfHeader(`(<${T}x>) (Not <DAV:no-lock>) (Not <urn:uuid:other>)`))], [`${T}x`]);
});

test('a tagged list is checked against its own resource', async () => {
  const seen: (string | undefined)[] = [];
  const ok = await evaluateIf(parseIfHeader(`<http://h/coll/> (<${T}>)`), async (tag) => (seen.push(tag), tag ? state : undefined));
  assert.equal(ok, true);
  assert.deepEqual(seen, ['http://h/coll/']);
});
