import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePropfindBody } from '../../src/webdav/methods/propfind.js';
import { parsePropertyUpdate } from '../../src/webdav/methods/proppatch.js';
import { HttpError } from '../../src/webdav/http-error.js';
import { parseXml, XmlSyntaxError } from '../../src/webdav/xml/xml-reader.js';
import { escapeText, serializeNodes } from '../../src/webdav/xml/xml-writer.js';

test('XXE: any DOCTYPE is refused, so no entity is ever resolved', () => {
  const xxe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&x;</D:displayname></D:prop></D:propfind>';
  assert.throws(() => parseXml(xxe), (e: Error) => e instanceof XmlSyntaxError && /DOCTYPE/.test(e.message));
  const bomb = '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><l>&b;</l>';
  assert.throws(() => parseXml(bomb), XmlSyntaxError);
  assert.throws(() => parseXml('<a>&undeclared;</a>'), XmlSyntaxError);
});

test('malformed documents are refused', () => {
  for (const bad of ['<a>', '<a></b>', '<p:a/>', '<a/><b/>', 'text', '', '<a xmlns:p=""><p:b/></a>']) assert.throws(() => parseXml(bad), XmlSyntaxError, bad);
});

test('depth and element count are bounded', () => {
  assert.throws(() => parseXml('<a>'.repeat(100) + '</a>'.repeat(100)), /too deep/);
  assert.throws(() => parseXml(`<a>${'<b/>'.repeat(60_000)}</a>`), /too many/);
});

test('namespaces resolve, including the null namespace and defaults', () => {
  const el = parseXml('<D:propfind xmlns:D="DAV:"><D:prop xmlns="http://x/"><foo/><bar xmlns=""/></D:prop></D:propfind>');
  assert.equal(el.ns, 'DAV:');
  assert.deepEqual(parsePropfindBody('<D:propfind xmlns:D="DAV:"><D:prop xmlns="http://x/"><foo/><bar xmlns=""/></D:prop></D:propfind>'), {
    mode: 'prop',
    props: [{ ns: 'http://x/', name: 'foo' }, { ns: '', name: 'bar' }],
  });
});

test('PROPFIND bodies: empty is allprop; wrong roots and non-XML are 400', () => {
  assert.deepEqual(parsePropfindBody(''), { mode: 'allprop', include: [] });
  assert.deepEqual(parsePropfindBody('<propfind xmlns="DAV:"><propname/></propfind>'), { mode: 'propname' });
  for (const bad of ['<propfind xmlns="DAV:"></propfind>', '<foo/>', '<propfind xmlns="DAV:"><prop>', 'not xml']) {
    assert.throws(() => parsePropfindBody(bad), (e: unknown) => e instanceof HttpError && e.status === 400, bad);
  }
});

test('PROPPATCH keeps document order across many set/remove elements and keeps value XML', () => {
  const body = `<D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:">
    <D:set><D:prop><Z:Win32LastModifiedTime>Wed, 01 May 2024 10:00:00 GMT</Z:Win32LastModifiedTime></D:prop></D:set>
    <D:set><D:prop><x:p xmlns:x="http://x/">a <x:b attr="1">&amp; b</x:b></x:p></D:prop></D:set>
    <D:remove><D:prop><x:p xmlns:x="http://x/"/></D:prop></D:remove>
    <D:set><D:prop><y xmlns="">&#x1F600;</y></D:prop></D:set></D:propertyupdate>`;
  const ops = parsePropertyUpdate(body);
  assert.equal(ops.length, 4);
  assert.deepEqual(ops[2], { remove: { ns: 'http://x/', name: 'p' } });
  assert.ok('set' in ops[1]! && ops[1].set.value === 'a <b xmlns="http://x/" attr="1">&amp; b</b>');
  assert.ok('set' in ops[3]! && ops[3].set.value === '😀');
  assert.throws(() => parsePropertyUpdate('<D:propertyupdate xmlns:D="DAV:"/>'), HttpError);
});

test('serialisation re-declares namespaces and escapes what XML cannot carry', () => {
  const el = parseXml('<r xmlns="http://a/"><b:x xmlns:b="http://b/" b:at="v"><y xmlns="">t</y></b:x></r>');
  assert.equal(serializeNodes(el.children), '<x xmlns="http://b/" xmlns:a0="http://b/" a0:at="v"><y xmlns="">t</y></x>');
  assert.equal(escapeText('a<b>&c\u0001\uFFFE'), 'a&lt;b&gt;&amp;c\uFFFD\uFFFD');
});
