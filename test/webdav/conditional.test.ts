import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { evaluateConditionals, ifRangeAllows, parseRange } from '../../src/webdav/conditional.js';
import type { DavResource } from '../../src/webdav/resources.js';

const file: DavResource = { path: '/f', name: 'f', isDir: false, size: 100, mtime: Date.parse('2024-05-01T10:00:00Z'), ctime: 0, etag: 'ABC', source: 'vfs' };
const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('Range: single ranges, suffixes, open ends, clamping', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { kind: 'partial', start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-1000', 100), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=50-5000', 100), { kind: 'partial', start: 50, end: 99 });
  assert.deepEqual(parseRange('bytes=99-99', 100), { kind: 'partial', start: 99, end: 99 });
});

test('Range: unsatisfiable, ignored and malformed forms', () => {
  assert.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  for (const h of [undefined, 'bytes=5-1', 'bytes=0-1,5-9', 'items=0-1', 'bytes=a-b', 'bytes=-']) assert.deepEqual(parseRange(h, 100), { kind: 'full' }, String(h));
  assert.deepEqual(parseRange('bytes=0-0', 0), { kind: 'full' });
});

test('If-None-Match gives 304 for reads and 412 for writes; If-Match needs our tag', () => {
  assert.equal(evaluateConditionals(req({ 'if-none-match': '"ABC"' }), file, true), 304);
  assert.equal(evaluateConditionals(req({ 'if-none-match': 'W/"ABC", "x"' }), file, true), 304);
  assert.equal(evaluateConditionals(req({ 'if-none-match': '"other"' }), file, true), 'proceed');
  assert.equal(evaluateConditionals(req({ 'if-none-match': '*' }), file, false), 412);
  assert.equal(evaluateConditionals(req({ 'if-none-match': '*' }), undefined, false), 'proceed');
  assert.equal(evaluateConditionals(req({ 'if-match': '"ABC"' }), file, false), 'proceed');
  assert.equal(evaluateConditionals(req({ 'if-match': '"nope"' }), file, false), 412);
  assert.equal(evaluateConditionals(req({ 'if-match': '*' }), undefined, false), 412);
});

test('date validators compare at one-second resolution', () => {
  const lm = new Date(file.mtime).toUTCString();
  assert.equal(evaluateConditionals(req({ 'if-modified-since': lm }), file, true), 304);
  assert.equal(evaluateConditionals(req({ 'if-modified-since': new Date(file.mtime - 1000).toUTCString() }), file, true), 'proceed');
  assert.equal(evaluateConditionals(req({ 'if-unmodified-since': new Date(file.mtime - 1000).toUTCString() }), file, false), 412);
});

test('If-Range: strong tag or exact date, otherwise the whole entity', () => {
  assert.equal(ifRangeAllows(req({}), file), true);
  assert.equal(ifRangeAllows(req({ 'if-range': '"ABC"' }), file), true);
  assert.equal(ifRangeAllows(req({ 'if-range': '"old"' }), file), false);
  assert.equal(ifRangeAllows(req({ 'if-range': 'W/"ABC"' }), file), false);
  assert.equal(ifRangeAllows(req({ 'if-range': new Date(file.mtime).toUTCString() }), file), true);
  assert.equal(ifRangeAllows(req({ 'if-range': new Date(file.mtime + 5000).toUTCString() }), file), false);
});
