import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadPathError, hrefOf, parseDestination, parseRequestTarget } from '../../src/webdav/request-path.js';

test('decodes paths, collapses empty segments and notes a trailing slash', () => {
  assert.deepEqual(parseRequestTarget('/'), { path: '/', trailingSlash: false });
  assert.deepEqual(parseRequestTarget('/drives/My%20Drive/'), { path: '/drives/My Drive', trailingSlash: true });
  assert.deepEqual(parseRequestTarget('//a///b?x=1'), { path: '/a/b', trailingSlash: false });
  assert.deepEqual(parseRequestTarget('/%E4%B8%AD%E6%96%87'), { path: '/中文', trailingSlash: false });
  assert.deepEqual(parseRequestTarget('http://host:8080/a%2Bb'), { path: '/a+b', trailingSlash: false });
});

test('refuses traversal, encoded slashes, NUL, bad encodings and fragments', () => {
  for (const bad of ['/a/../b', '/..', '/a/%2e%2e/b', '/%2E%2E', '/a/./b', '/a%2fb', '/a%2Fb', '/a%5cb', '/a\\b', '/a%00b', '/%E4%B8', '/%zz', '/a#frag', 'a/b', '*']) {
    assert.throws(() => parseRequestTarget(bad), BadPathError, bad);
  }
});

test('Destination: absolute URL or path; another host is reported as such', () => {
  assert.deepEqual(parseDestination('http://127.0.0.1:8080/x/y%20z', '127.0.0.1:8080'), { path: '/x/y z', trailingSlash: false });
  assert.deepEqual(parseDestination('/x/', '127.0.0.1:8080'), { path: '/x', trailingSlash: true });
  assert.equal(parseDestination('http://evil.example/x', '127.0.0.1:8080'), undefined);
  assert.throws(() => parseDestination('http://127.0.0.1:8080/a/../../etc', '127.0.0.1:8080'), BadPathError);
});

test('hrefs are percent-encoded per segment and round-trip', () => {
  const path = "/drives/My Drive/a#b?c%d'(e)/文件.txt";
  const href = hrefOf(path, false);
  assert.equal(href, '/drives/My%20Drive/a%23b%3Fc%25d%27%28e%29/%E6%96%87%E4%BB%B6.txt');
  assert.equal(parseRequestTarget(href).path, path);
  assert.equal(hrefOf('/d', true), '/d/');
  assert.equal(hrefOf('/', true), '/');
});
