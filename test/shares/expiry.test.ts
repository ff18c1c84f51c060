// --expire parsing (durations, RFC 3339, never) and the readable output of the share commands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShareCommandError } from '../../src/shares/errors.js';
import { formatExpiration, parseExpire } from '../../src/shares/expiry.js';
import { shareLinksTable, shareLinkView, shareState, table } from '../../src/shares/output.js';
import type { PdsShareLink } from '../../src/pds/wire-types.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

test('durations count from now', () => {
  assert.equal(parseExpire('7d', NOW), '2030-01-08T00:00:00Z');
  assert.equal(parseExpire('12h', NOW), '2030-01-01T12:00:00Z');
  assert.equal(parseExpire('1w2d', NOW), '2030-01-10T00:00:00Z');
  assert.equal(parseExpire('90m', NOW), '2030-01-01T01:30:00Z');
  assert.equal(parseExpire('45s', NOW), '2030-01-01T00:00:45Z');
  assert.equal(parseExpire(' 1D ', NOW), '2030-01-02T00:00:00Z');
});

test('RFC 3339 times are kept (in UTC), never means no expiration', () => {
  assert.equal(parseExpire('2030-02-01T12:30:00Z', NOW), '2030-02-01T12:30:00Z');
  assert.equal(parseExpire('2030-02-01T12:30:00+08:00', NOW), '2030-02-01T04:30:00Z');
  assert.equal(parseExpire('2030-02-01T12:30:00.250Z', NOW), '2030-02-01T12:30:00.250Z');
  assert.equal(parseExpire('never', NOW), '');
  assert.equal(parseExpire('Never', NOW), '');
});

test('bad, zero and past expirations are refused with a message that says what to give', () => {
  for (const bad of ['tomorrow', '7', '7x', '', '2030-02-01', '0d']) {
    assert.throws(() => parseExpire(bad, NOW), (e: unknown) => e instanceof ShareCommandError && /--expire/.test(e.message), bad);
  }
  assert.throws(() => parseExpire('2029-12-31T23:59:59Z', NOW), /has passed/);
});

test('expirations read as never or a UTC time', () => {
  assert.equal(formatExpiration(''), 'never');
  assert.equal(formatExpiration(undefined), 'never');
  assert.equal(formatExpiration('2030-02-01T12:30:00.000Z'), '2030-02-01T12:30:00Z');
});

const link: PdsShareLink = {
  share_id: 'abc123', share_pwd: 'secret', share_name: 'photos', description: '', drive_id: '1', file_id_list: ['f1', 'f2'],
  expiration: '', expired: false, status: 'enabled', creator: 'u', created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z',
};

test('views never carry the share password, only whether there is one', () => {
  const view = shareLinkView(link);
  assert.equal('share_pwd' in view, false);
  assert.equal(view.has_password, true);
  assert.equal(shareLinkView({ ...link, share_pwd: '' }).has_password, false);
  assert.ok(!JSON.stringify(view).includes('secret'));
});

test('states and tables', () => {
  assert.equal(shareState(link, NOW), 'enabled');
  assert.equal(shareState({ ...link, expiration: '2029-01-01T00:00:00Z' }, NOW), 'expired');
  assert.equal(shareState({ ...link, status: 'disabled' }, NOW), 'disabled');
  assert.equal(table(['A', 'LONGER'], [['wide cell', 'x']]), 'A          LONGER\nwide cell  x');
  const lines = shareLinksTable([shareLinkView(link)]).split('\n');
  assert.match(lines[0]!, /^ID\s+NAME\s+FILES\s+PASSWORD\s+EXPIRES\s+STATUS$/);
  assert.match(lines[1]!, /^abc123\s+photos\s+2\s+yes\s+never\s+enabled$/);
  assert.equal(shareLinksTable([]), 'no share links');
});
