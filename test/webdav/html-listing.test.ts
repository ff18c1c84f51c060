import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanSize, parseSort, renderListing } from '../../src/webdav/html-listing.js';
import type { DavResource } from '../../src/webdav/resources.js';

const res = (name: string, isDir: boolean, size = 0, mtime = 1_700_000_000_000): DavResource => ({
  path: `/d/${name}`, name, isDir, size, mtime, ctime: mtime, source: 'vfs', ...(isDir ? {} : { etag: 'x' }),
});

test('names are escaped in text and in links', () => {
  const page = renderListing('/d', [res('<img src=x onerror=alert(1)>.txt', false, 5), res('a"b\'c&d', true)], { key: 'name', order: 'asc' });
  assert.ok(!page.includes('<img src=x'));
  assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;.txt'));
  assert.ok(page.includes('href="/d/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt"'));
  assert.ok(page.includes('a&quot;b&#39;c&amp;d') || page.includes('a"b\'c&amp;d'));
});

test('folders first, then the chosen column and order', () => {
  const entries = [res('b.txt', false, 300), res('a.txt', false, 100), res('zdir', true), res('c.txt', false, 200)];
  const order = (key: 'name' | 'size', o: 'asc' | 'desc') =>
    [...renderListing('/d', entries, { key, order: o }).matchAll(/<tr class="(?:dir|file)"><td><a href="\/d\/([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(order('name', 'asc'), ['zdir/', 'a.txt', 'b.txt', 'c.txt']);
  assert.deepEqual(order('size', 'desc'), ['zdir/', 'b.txt', 'c.txt', 'a.txt']);
  assert.deepEqual(parseSort(new URLSearchParams('sort=size&order=desc')), { key: 'size', order: 'desc' });
  assert.deepEqual(parseSort(new URLSearchParams('sort=evil')), { key: 'name', order: 'asc' });
});

test('breadcrumbs link every ancestor', () => {
  const page = renderListing('/drives/My Drive/photos', [], { key: 'name', order: 'asc' });
  assert.ok(page.includes('<a href="/drives/">drives</a>'));
  assert.ok(page.includes('<a href="/drives/My%20Drive/">My Drive</a>'));
  assert.ok(page.includes('<span aria-current="page">photos</span>'));
  assert.ok(page.includes('This folder is empty.'));
});

test('human sizes', () => {
  assert.equal(humanSize(0), '0 B');
  assert.equal(humanSize(1536), '1.5 KiB');
  assert.equal(humanSize(5 * 1024 ** 3), '5.0 GiB');
  assert.equal(humanSize(300 * 1024 ** 2), '300 MiB');
});
