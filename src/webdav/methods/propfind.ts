// PROPFIND (RFC 4918 §9.1): Depth 0 or 1 from one resource snapshot and one listing; Depth infinity
// is refused with 403 propfind-finite-depth. Only the requested properties are computed; dead
// properties and quota are fetched only when the request can need them (one query per listing).
// The listing is read a page at a time and each page written out before the next is read, so a
// folder of any size is never held whole, as objects or as text.
import type { SpaceInfo } from '../../vfs/types.js';
import { type FileMeta, metaAccessOf } from '../../core/view-remote.js';
import type { DeadProp } from '../dav-store.js';
import { type DavHandler, type DavServices, readBody } from '../dav-method.js';
import { HttpError } from '../http-error.js';
import { ALLPROP_NAMES, isLiveProp, isQuotaProp, keyOf, liveCompute, liveValue, type LiveEnv, type PropName } from '../live-props.js';
import { isPdsProp } from '../pds-props.js';
import { hrefOf } from '../request-path.js';
import type { DavResource } from '../resources.js';
import { MultistatusWriter, responseXml } from '../xml/multistatus.js';
import { childElements, isElement, parseXml, XmlSyntaxError } from '../xml/xml-reader.js';
import { DAV_NS, element, qualified } from '../xml/xml-writer.js';

export const MAX_XML_BODY = 1024 * 1024;

type PropfindRequest = { mode: 'prop'; props: PropName[] } | { mode: 'allprop'; include: PropName[] } | { mode: 'propname' };

export const propfind: DavHandler = async (r, s) => {
  const depth = parseDepth(r.req.headers.depth);
  const request = parsePropfindBody((await readBody(r.req, MAX_XML_BODY)).toString('utf8'));
  const self = await s.resources.requested(r.ctx, r.path);
  if (!self) throw new HttpError(404, 'not found');
  const listing = depth === 1 && self.isDir;
  const quota = wantsQuota(request) ? await s.vfs.statfs(r.path).catch(() => undefined) : undefined;
  const needsDead = request.mode !== 'prop' || request.props.some((p) => !isLiveProp(p));
  const deadOfChild = needsDead && listing ? s.store.propsIn(r.path) : new Map<string, DeadProp[]>();

  const render = rendererFor(request);
  const metaOf = metaReader(s, request);
  const out = new MultistatusWriter(r.res);
  await out.add(render(self, needsDead ? s.store.props(r.path) : [], envFor(s, self, quota, await metaOf(self))));
  if (listing) {
    for await (const page of s.resources.listPages(r.path)) {
      for (const child of page) {
        if (r.res.destroyed) return;
        await out.add(render(child, deadOfChild.get(child.name) ?? [], envFor(s, child, quota, await metaOf(child))));
      }
    }
  }
  await out.end();
};

function envFor(s: DavServices, r: DavResource, quota: SpaceInfo | undefined, meta: FileMeta | undefined): LiveEnv {
  return { locks: s.locks.covering(r.path), now: s.locks.now(), ...(quota ? { quota } : {}), ...(meta ? { meta } : {}) };
}

/** PDS metadata per resource, only when the request names a pdsfs property (it costs a file/get each). */
function metaReader(s: DavServices, req: PropfindRequest): (r: DavResource) => Promise<FileMeta | undefined> {
  const named = req.mode === 'prop' ? req.props : req.mode === 'allprop' ? req.include : [];
  const access = named.some(isPdsProp) ? metaAccessOf(s.vfs) : undefined;
  return async (r) => (access && r.source === 'vfs' ? access.meta(r.path).catch(() => undefined) : undefined);
}

function parseDepth(header: string | string[] | undefined): 0 | 1 {
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  // A missing Depth means infinity in RFC 4918, but clients that omit it expect a listing.
  if (value === undefined || value === '1') return 1;
  if (value === '0') return 0;
  if (value === 'infinity') throw new HttpError(403, 'Depth: infinity is not supported', 'propfind-finite-depth');
  throw new HttpError(400, 'bad Depth header');
}

export function parsePropfindBody(text: string): PropfindRequest {
  if (text.trim() === '') return { mode: 'allprop', include: [] };
  let root;
  try {
    root = parseXml(text);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new HttpError(400, `malformed XML: ${err.message}`);
    throw err;
  }
  if (!isElement(root, DAV_NS, 'propfind')) throw new HttpError(400, 'expected DAV:propfind');
  const kids = childElements(root).filter((e) => e.ns === DAV_NS);
  const names = (name: string) => kids.filter((e) => e.name === name).flatMap((e) => childElements(e).map((p) => ({ ns: p.ns, name: p.name })));
  if (kids.some((e) => e.name === 'propname')) return { mode: 'propname' };
  if (kids.some((e) => e.name === 'allprop')) return { mode: 'allprop', include: names('include') };
  if (kids.some((e) => e.name === 'prop')) return { mode: 'prop', props: names('prop') };
  throw new HttpError(400, 'PROPFIND body names no prop, allprop or propname');
}

function wantsQuota(req: PropfindRequest): boolean {
  return req.mode === 'prop' ? req.props.some(isQuotaProp) : req.mode === 'allprop' && req.include.some(isQuotaProp);
}

type Render = (res: DavResource, dead: readonly DeadProp[], env: LiveEnv) => string;

/**
 * The renderer of one request's <D:response> elements. For a list of named properties (what
 * clients send for listings) each name is resolved to its live computation and its tags once per
 * request, not once per resource.
 */
function rendererFor(req: PropfindRequest): Render {
  if (req.mode !== 'prop') return (res, dead, env) => renderResource(res, req, dead, env);
  const wanted = req.props.map((p) => {
    const q = qualified(p.ns, p.name);
    return { key: keyOf(p), compute: liveCompute(p), open: `<${q.open}>`, close: `</${q.close}>`, empty: `<${q.open}/>` };
  });
  return (res, dead, env) => {
    let ok = '';
    let missing = '';
    const deadByKey = dead.length > 0 ? new Map(dead.map((d) => [keyOf(d), d])) : undefined;
    for (const w of wanted) {
      const live = w.compute?.(res, env);
      if (live !== undefined) {
        ok += live === '' ? w.empty : w.open + live + w.close;
        continue;
      }
      const d = deadByKey?.get(w.key);
      if (d) ok += element(d.ns, d.name, d.value);
      else missing += w.empty;
    }
    return responseXml(hrefOf(res.path, res.isDir), [[200, ok], [404, missing]]);
  };
}

function renderResource(res: DavResource, req: PropfindRequest, dead: readonly DeadProp[], env: LiveEnv): string {
  const ok: string[] = [];
  const missing: string[] = [];
  const deadByKey = new Map(dead.map((d) => [keyOf(d), d]));
  const addNamed = (p: PropName) => {
    const live = liveValue(p, res, env);
    const d = deadByKey.get(keyOf(p));
    if (live !== undefined) ok.push(element(p.ns, p.name, live));
    else if (d) ok.push(element(d.ns, d.name, d.value));
    else missing.push(element(p.ns, p.name));
  };
  if (req.mode === 'prop') {
    req.props.forEach(addNamed);
  } else if (req.mode === 'propname') {
    for (const p of ALLPROP_NAMES) if (liveValue(p, res, env) !== undefined) ok.push(element(p.ns, p.name));
    for (const d of dead) ok.push(element(d.ns, d.name));
  } else {
    const seen = new Set<string>();
    for (const p of ALLPROP_NAMES) {
      const v = liveValue(p, res, env);
      if (v !== undefined) ok.push(element(p.ns, p.name, v));
      seen.add(keyOf(p));
    }
    for (const d of dead) if (!seen.has(keyOf(d))) (seen.add(keyOf(d)), ok.push(element(d.ns, d.name, d.value)));
    for (const p of req.include) if (!seen.has(keyOf(p))) (seen.add(keyOf(p)), addNamed(p));
  }
  return responseXml(hrefOf(res.path, res.isDir), [[200, ok.join('')], [404, missing.join('')]]);
}
