// LOCK and UNLOCK (RFC 4918 §9.10-9.11). LOCK on an unmapped URL creates only a local placeholder
// (listed, empty, gone at UNLOCK unless a PUT made it real), so Explorer's and Office's
// lock-then-write never uploads an empty file. An empty LOCK body refreshes the submitted lock.
import { assertWritable, type DavHandler, type DavRequest, type DavServices, headerOf, readBody } from '../dav-method.js';
import { HttpError } from '../http-error.js';
import { activeLock } from '../live-props.js';
import { checkPreconditions } from '../lock-guard.js';
import { type DavLock, type LockScope, parseTimeout } from '../lock-table.js';
import { parentOf } from '../request-path.js';
import { childElements, isElement, parseXml, XmlSyntaxError } from '../xml/xml-reader.js';
import { DAV_NS, XML_DECL, element, serializeNodes } from '../xml/xml-writer.js';
import { MAX_XML_BODY } from './propfind.js';

export const lock: DavHandler = async (r, s) => {
  assertWritable(s);
  const body = (await readBody(r.req, MAX_XML_BODY)).toString('utf8');
  const timeoutSec = parseTimeout(headerOf(r.req, 'timeout'));
  if (body.trim() === '') return refresh(r, s, timeoutSec);

  const info = parseLockInfo(body);
  const depth = parseLockDepth(headerOf(r.req, 'depth'));
  const existing = await s.resources.requested(r.ctx, r.path);
  // Clients take a granted lock to mean "you may edit": refuse it where nothing can be changed.
  if (existing?.readOnly) throw new HttpError(403, 'read-only: a share link or namespace folder cannot be locked');
  if (!existing) {
    const parent = await s.resources.stat(parentOf(r.path));
    if (!parent?.isDir) throw new HttpError(409, 'the parent collection does not exist');
    if (parent.readOnly) throw new HttpError(403, 'read-only: nothing can be created here');
  }
  await checkPreconditions(r, s, existing ? {} : { members: [parentOf(r.path)] });
  if (s.locks.conflicts(r.path, depth, info.scope).length > 0) throw new HttpError(423, 'a conflicting lock exists', 'no-conflicting-lock');
  const created = s.locks.create({ root: r.path, depth, scope: info.scope, ownerXml: info.ownerXml, timeoutSec, placeholder: !existing });
  r.res.setHeader('Lock-Token', `<${created.token}>`);
  sendLockDiscovery(r, s, created, existing ? 200 : 201);
};

export const unlock: DavHandler = async (r, s) => {
  const m = /^\s*<([^>]+)>\s*$/.exec(headerOf(r.req, 'lock-token') ?? '');
  if (!m) throw new HttpError(400, 'UNLOCK needs a Lock-Token header');
  const found = s.locks.get(m[1]!);
  if (!found || !s.locks.covering(r.path).includes(found)) {
    throw new HttpError(409, 'the lock token does not cover this URL', 'lock-token-matches-request-uri');
  }
  s.locks.remove(found.token);
  r.res.statusCode = 204;
  r.res.end();
};

async function refresh(r: DavRequest, s: DavServices, timeoutSec: number): Promise<void> {
  if (headerOf(r.req, 'if') === undefined) throw new HttpError(400, 'a LOCK refresh needs an If header with the lock token');
  const submitted = await checkPreconditions(r, s, {});
  const target = s.locks.covering(r.path).find((l) => submitted.has(l.token));
  if (!target) throw new HttpError(412, 'no submitted lock covers this URL', 'lock-token-matches-request-uri');
  sendLockDiscovery(r, s, s.locks.refresh(target.token, timeoutSec)!, 200);
}

function sendLockDiscovery(r: DavRequest, s: DavServices, l: DavLock, status: number): void {
  const body = `${XML_DECL}<D:prop xmlns:D="DAV:">${element(DAV_NS, 'lockdiscovery', activeLock(l, s.locks.now()))}</D:prop>`;
  r.res.statusCode = status;
  r.res.setHeader('Content-Type', 'application/xml; charset=utf-8');
  r.res.setHeader('Content-Length', Buffer.byteLength(body));
  r.res.end(body);
}

function parseLockInfo(text: string): { scope: LockScope; ownerXml: string } {
  let root;
  try {
    root = parseXml(text);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new HttpError(400, `malformed XML: ${err.message}`);
    throw err;
  }
  if (!isElement(root, DAV_NS, 'lockinfo')) throw new HttpError(400, 'expected DAV:lockinfo');
  const kids = childElements(root);
  const scopeEl = kids.find((e) => isElement(e, DAV_NS, 'lockscope'));
  const scope = scopeEl && childElements(scopeEl).find((e) => e.ns === DAV_NS)?.name;
  if (scope !== 'exclusive' && scope !== 'shared') throw new HttpError(400, 'lockscope must be exclusive or shared');
  const typeEl = kids.find((e) => isElement(e, DAV_NS, 'locktype'));
  if (!typeEl || !childElements(typeEl).some((e) => isElement(e, DAV_NS, 'write'))) throw new HttpError(400, 'only write locks exist');
  const owner = kids.find((e) => isElement(e, DAV_NS, 'owner'));
  return { scope, ownerXml: owner ? serializeNodes(owner.children) : '' };
}

function parseLockDepth(value: string | undefined): 0 | 'infinity' {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === 'infinity') return 'infinity';
  if (v === '0') return 0;
  throw new HttpError(400, 'LOCK Depth must be 0 or infinity');
}
