// Live properties: computed from a resource snapshot, the locks on it and (when asked) the quota.
// Values are inner XML. undefined means "not defined for this resource" (404 in a propstat).
import mime from 'mime-types';
import type { SpaceInfo } from '../vfs/types.js';
import type { FileMeta } from '../core/view-remote.js';
import type { DavLock } from './lock-table.js';
import { PDS_PROP_NAMES, pdsPropValue } from './pds-props.js';
import { hrefOf } from './request-path.js';
import type { DavResource } from './resources.js';
import { DAV_NS, OC_NS, element, escapeText } from './xml/xml-writer.js';

export interface PropName {
  ns: string;
  name: string;
}

export interface LiveEnv {
  /** Locks covering the resource. */
  locks: readonly DavLock[];
  quota?: SpaceInfo;
  /** PDS metadata of a drive file or folder, fetched only when a pdsfs property is named. */
  meta?: FileMeta;
  now: number;
}

export type Compute = (r: DavResource, env: LiveEnv) => string | undefined;

const dav = (name: string): PropName => ({ ns: DAV_NS, name });

/** Live properties returned for allprop, in this order. */
const ALLPROP: ReadonlyArray<[PropName, Compute]> = [
  [dav('resourcetype'), (r) => (r.isDir ? element(DAV_NS, 'collection') : '')],
  [dav('getcontentlength'), (r) => (r.isDir ? undefined : String(r.size))],
  [dav('getlastmodified'), (r) => new Date(r.mtime).toUTCString()],
  [dav('creationdate'), (r) => new Date(r.ctime).toISOString().replace(/\.\d{3}Z$/, 'Z')],
  [dav('displayname'), (r) => escapeText(r.name)],
  [dav('getetag'), (r) => (r.etag === undefined ? undefined : escapeText(`"${r.etag}"`))],
  [dav('getcontenttype'), (r) => (r.isDir ? undefined : contentTypeOf(r.name))],
  [dav('supportedlock'), () => SUPPORTED_LOCK],
  [dav('lockdiscovery'), (_r, env) => env.locks.map((l) => activeLock(l, env.now)).join('')],
];

/** Live properties returned only when named (RFC 4331 keeps quota out of allprop). */
const ON_REQUEST: ReadonlyArray<[PropName, Compute]> = [
  [dav('quota-available-bytes'), (_r, env) => (env.quota ? String(finite(env.quota.free)) : undefined)],
  [dav('quota-used-bytes'), (_r, env) => (env.quota ? String(env.quota.used) : undefined)],
  [{ ns: OC_NS, name: 'checksums' }, (r) => (r.sha1 ? element(OC_NS, 'checksum', `SHA1:${r.sha1}`) : undefined)],
  ...PDS_PROP_NAMES.map((p): [PropName, Compute] => [p, (_r, env) => pdsPropValue(p, env.meta)]),
];

const ALL = new Map([...ALLPROP, ...ON_REQUEST].map(([p, f]) => [keyOf(p), f]));

export const ALLPROP_NAMES: readonly PropName[] = ALLPROP.map(([p]) => p);

export function keyOf(p: PropName): string {
  return `{${p.ns}}${p.name}`;
}

export function isLiveProp(p: PropName): boolean {
  return ALL.has(keyOf(p));
}

export function isQuotaProp(p: PropName): boolean {
  return p.ns === DAV_NS && p.name.startsWith('quota-');
}

/** The value of a live property, or undefined when it is not one or not defined here. */
export function liveValue(p: PropName, r: DavResource, env: LiveEnv): string | undefined {
  return ALL.get(keyOf(p))?.(r, env);
}

/** How a live property is computed (undefined for a dead one), to look up once and apply to many resources. */
export function liveCompute(p: PropName): Compute | undefined {
  return ALL.get(keyOf(p));
}

/** From the name, never by sniffing content. */
export function contentTypeOf(name: string): string {
  return mime.lookup(name) || 'application/octet-stream';
}

function finite(n: number): number {
  // "Unlimited" is shown as 1 PiB free: zero or missing free space makes Explorer refuse copies.
  return Number.isFinite(n) ? n : 2 ** 50;
}

const lockEntry = (scope: string) =>
  element(DAV_NS, 'lockentry', element(DAV_NS, 'lockscope', element(DAV_NS, scope)) + element(DAV_NS, 'locktype', element(DAV_NS, 'write')));

const SUPPORTED_LOCK = lockEntry('exclusive') + lockEntry('shared');

export function activeLock(l: DavLock, now: number): string {
  const seconds = Math.max(0, Math.ceil((l.expiresAt - now) / 1000));
  return element(
    DAV_NS,
    'activelock',
    element(DAV_NS, 'locktype', element(DAV_NS, 'write')) +
      element(DAV_NS, 'lockscope', element(DAV_NS, l.scope)) +
      element(DAV_NS, 'depth', l.depth === 0 ? '0' : 'infinity') +
      (l.ownerXml ? element(DAV_NS, 'owner', l.ownerXml) : '') +
      element(DAV_NS, 'timeout', `Second-${seconds}`) +
      element(DAV_NS, 'locktoken', element(DAV_NS, 'href', escapeText(l.token))) +
      element(DAV_NS, 'lockroot', element(DAV_NS, 'href', escapeText(hrefOf(l.root, false)))),
  );
}
