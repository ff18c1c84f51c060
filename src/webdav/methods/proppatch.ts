// PROPPATCH (RFC 4918 §9.2): dead properties go to SQLite; DAV:getlastmodified and the Windows
// Win32LastModifiedTime set the file's mtime. All or nothing: if one instruction fails, the others
// report 424 and nothing changes. Any number of set/remove elements, applied in document order.
import { assertWritable, type DavHandler, type DavServices, readBody } from '../dav-method.js';
import { HttpError } from '../http-error.js';
import type { DeadProp } from '../dav-store.js';
import { statusOf } from '../error-map.js';
import { isLiveProp, keyOf, type PropName } from '../live-props.js';
import { checkPreconditions } from '../lock-guard.js';
import { isPdsProp, isSettablePdsProp, pdsPropChange } from '../pds-props.js';
import { type MetaChange, metaAccessOf } from '../../core/view-remote.js';
import { hrefOf } from '../request-path.js';
import type { DavResource } from '../resources.js';
import { MultistatusWriter, responseXml } from '../xml/multistatus.js';
import { childElements, isElement, parseXml, textOf, XmlSyntaxError } from '../xml/xml-reader.js';
import { DAV_NS, MS_NS, OC_NS, element, serializeNodes } from '../xml/xml-writer.js';
import { MAX_XML_BODY } from './propfind.js';

type Instruction = { set: DeadProp; text: string } | { remove: PropName };

// rclone (owncloud/nextcloud vendors) sets DAV:lastmodified in Unix seconds, often with oc:checksums.
const UNIX_MTIME = keyOf({ ns: DAV_NS, name: 'lastmodified' });
const MTIME_PROPS = new Set([
  keyOf({ ns: DAV_NS, name: 'getlastmodified' }),
  UNIX_MTIME,
  keyOf({ ns: MS_NS, name: 'Win32LastModifiedTime' }),
]);
/** Accepted and not stored: PDS computes the SHA-1 itself, and oc:checksums shows that one. */
const CLIENT_CHECKSUMS = keyOf({ ns: OC_NS, name: 'checksums' });

/** An HTTP date, an ISO date, or Unix seconds; NaN otherwise. */
function parseMtime(text: string): number {
  return /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
}

export const proppatch: DavHandler = async (r, s) => {
  assertWritable(s);
  const instructions = parsePropertyUpdate((await readBody(r.req, MAX_XML_BODY)).toString('utf8'));
  const resource = await s.resources.requested(r.ctx, r.path);
  if (!resource) throw new HttpError(404, 'not found');
  await checkPreconditions(r, s, { resources: [{ path: r.path, deep: false }] });

  const statuses = new Map<string, { prop: PropName; status: number }>();
  const report = (p: PropName, status: number) => statuses.set(keyOf(p), { prop: p, status });
  let mtime: { prop: PropName; value: number } | undefined;
  // pdsfs properties: one file/update for all of them, after every other instruction passed.
  const metaAccess = resource.source === 'vfs' ? metaAccessOf(s.vfs) : undefined;
  let meta: MetaChange = {};
  const metaProps: PropName[] = [];
  for (const ins of instructions) {
    const p = 'set' in ins ? ins.set : ins.remove;
    const isMtime = MTIME_PROPS.has(keyOf(p));
    if (isSettablePdsProp(p)) {
      try {
        if (!metaAccess) throw new HttpError(403, 'not a drive file');
        meta = { ...meta, ...pdsPropChange(p, 'set' in ins ? ins.text : undefined) };
        metaProps.push(p);
        report(p, 200);
      } catch (err) {
        report(p, err instanceof HttpError ? err.status : 409);
      }
    } else if ('set' in ins && keyOf(p) === CLIENT_CHECKSUMS) report(p, 200);
    else if (isLiveProp(p) && !(isMtime && 'set' in ins)) report(p, 403);
    else if (isMtime && 'set' in ins) {
      const value = parseMtime(ins.text);
      if (Number.isNaN(value)) report(p, 409);
      else (mtime = { prop: p, value }), report(p, 200);
    } else report(p, 200);
  }
  const failed = [...statuses.values()].some((x) => x.status !== 200);
  if (!failed && metaAccess && metaProps.length > 0) {
    const status = await metaAccess.setMeta(r.path, meta).then(() => 200, statusOf);
    if (status !== 200) for (const p of metaProps) report(p, status);
  }
  if (!failed && mtime && [...statuses.values()].every((x) => x.status === 200)) {
    const status = await applyMtime(s, resource, mtime.value).then(() => 200, statusOf);
    if (status !== 200) report(mtime.prop, status);
  }
  if ([...statuses.values()].some((x) => x.status !== 200)) {
    for (const x of statuses.values()) if (x.status === 200) x.status = 424;
  } else {
    // DAV:getlastmodified is live (it is the mtime); everything else, Win32 times included, is kept.
    const kept = (p: PropName) => !isLiveProp(p) && keyOf(p) !== UNIX_MTIME && !isPdsProp(p);
    s.store.patchProps(r.path, instructions.filter((i) => !('set' in i && !kept(i.set))).map((i) => ('set' in i ? { set: i.set } : i)));
  }
  const byStatus = new Map<number, string[]>();
  for (const { prop, status } of statuses.values()) byStatus.set(status, [...(byStatus.get(status) ?? []), element(prop.ns, prop.name)]);
  const out = new MultistatusWriter(r.res);
  const propstats = [...byStatus].sort(([a], [b]) => a - b).map(([status, props]) => [status, props.join('')] as const);
  await out.add(responseXml(hrefOf(r.path, resource.isDir), propstats));
  await out.end();
};

async function applyMtime(s: DavServices, r: DavResource, mtime: number): Promise<void> {
  if (r.source === 'vfs') await s.vfs.setMtime(r.path, mtime);
  else if (r.source === 'sidecar') s.store.setSidecarMtime(r.path, mtime);
}

export function parsePropertyUpdate(text: string): Instruction[] {
  let root;
  try {
    root = parseXml(text);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new HttpError(400, `malformed XML: ${err.message}`);
    throw err;
  }
  if (!isElement(root, DAV_NS, 'propertyupdate')) throw new HttpError(400, 'expected DAV:propertyupdate');
  const out: Instruction[] = [];
  for (const op of childElements(root)) {
    if (op.ns !== DAV_NS || (op.name !== 'set' && op.name !== 'remove')) continue;
    for (const prop of childElements(op).filter((e) => isElement(e, DAV_NS, 'prop'))) {
      for (const p of childElements(prop)) {
        if (op.name === 'remove') out.push({ remove: { ns: p.ns, name: p.name } });
        else out.push({ set: { ns: p.ns, name: p.name, value: serializeNodes(p.children) }, text: textOf(p).trim() });
      }
    }
  }
  if (out.length === 0) throw new HttpError(400, 'PROPPATCH names no property');
  return out;
}
