// Properties in the pdsfs namespace: PDS metadata of drive files and folders. starred, labels
// (comma-separated) and description are settable with PROPPATCH; taken-at and location (images
// with EXIF) are read-only. All are live (computed from one file/get), returned only when named,
// never stored as dead properties.
import { VfsError } from '../core/errors.js';
import type { FileMeta, MetaChange } from '../core/view-remote.js';
import { escapeText } from './xml/xml-writer.js';

export const PDSFS_NS = 'urn:pdsfs:';

/** A property name (the shape of live-props' PropName, which imports this file). */
interface PropName {
  ns: string;
  name: string;
}

const VALUES: Record<string, (m: FileMeta) => string | undefined> = {
  starred: (m) => (m.starred ? '1' : '0'),
  labels: (m) => escapeText(m.labels.join(',')),
  description: (m) => escapeText(m.description),
  'taken-at': (m) => m.takenAt,
  location: (m) => m.location,
};
const SETTABLE = new Set(['starred', 'labels', 'description']);

export const PDS_PROP_NAMES: readonly PropName[] = Object.keys(VALUES).map((name) => ({ ns: PDSFS_NS, name }));

export function isPdsProp(p: PropName): boolean {
  return p.ns === PDSFS_NS && p.name in VALUES;
}

export function isSettablePdsProp(p: PropName): boolean {
  return p.ns === PDSFS_NS && SETTABLE.has(p.name);
}

export function pdsPropValue(p: PropName, meta: FileMeta | undefined): string | undefined {
  return meta && isPdsProp(p) ? VALUES[p.name]!(meta) : undefined;
}

/** The change a PROPPATCH set (text) or remove (undefined) asks for; EINVAL for a bad starred value. */
export function pdsPropChange(p: PropName, text: string | undefined): MetaChange {
  const v = (text ?? '').trim();
  if (p.name === 'starred') {
    if (/^(1|true)$/i.test(v)) return { starred: true };
    if (/^(0|false|)$/i.test(v)) return { starred: false };
    throw new VfsError('EINVAL', 'starred takes 1 or 0');
  }
  if (p.name === 'labels') return { labels: v.split(',').map((l) => l.trim()).filter((l) => l !== '') };
  return { description: v };
}
