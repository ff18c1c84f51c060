// Name rules of the namespace: validation before any remote call, NFC matching (Finder sends NFD),
// and stable display names for siblings that share a name (PDS allows duplicates).
import { nameKey } from '../shared/name-key.js';
import { VfsError } from '../core/errors.js';

// NUL and other control characters are refused by PDS; '/' separates path segments.
const FORBIDDEN = /[\u0000-\u001f\u007f/]/;

export function validateName(name: string, maxBytes: number, path?: string): void {
  if (name === '' || name === '.' || name === '..') throw new VfsError('EINVAL', `invalid name "${name}"`, path);
  if (FORBIDDEN.test(name)) throw new VfsError('EINVAL', 'name contains "/" or a control character', path);
  if (Buffer.byteLength(name, 'utf8') > maxBytes) {
    throw new VfsError('ENAMETOOLONG', `name is longer than ${maxBytes} bytes`, path);
  }
}

interface Named {
  id: string;
  name: string;
  ctime: number;
}

const DUP_TAG = / \(pds-([0-9A-Za-z_-]{1,16})\)(?=(\.[^.]*)?$)/;

/** "report.txt" + id → "report (pds-1a2b3c4d).txt": the suffix is derived from the file id, so it is stable. */
export function dupName(name: string, id: string): string {
  const tag = ` (pds-${id.slice(0, 8)})`;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) + tag + name.slice(dot) : name + tag;
}

/** Splits a display name made by dupName back into the stored name and the id prefix. */
export function parseDupName(display: string): { name: string; idPrefix: string } | undefined {
  const m = DUP_TAG.exec(display);
  if (!m || m[1] === undefined) return undefined;
  return { name: display.slice(0, m.index) + display.slice(m.index + m[0].length), idPrefix: m[1] };
}

/**
 * Display names for the entries of one directory: the oldest entry of a name keeps it, later
 * siblings with the same (NFC) name get a suffix from their id.
 */
export function displayNames<T extends Named>(entries: readonly T[]): Map<string, string> {
  const groups = new Map<string, T[]>();
  for (const e of entries) {
    const k = nameKey(e.name);
    const g = groups.get(k);
    if (g) g.push(e);
    else groups.set(k, [e]);
  }
  const out = new Map<string, string>();
  for (const g of groups.values()) {
    g.sort(byAge);
    g.forEach((e, i) => out.set(e.id, i === 0 ? e.name : dupName(e.name, e.id)));
  }
  return out;
}

/** Among same-named siblings, which one a display name designates. */
export function pickByDisplayName<T extends Named>(sameName: readonly T[], display: string): T | undefined {
  if (sameName.length === 0) return undefined;
  const sorted = [...sameName].sort(byAge);
  if (nameKey(sorted[0]!.name) === nameKey(display)) return sorted[0];
  const dup = parseDupName(display);
  if (!dup) return undefined;
  return sorted.slice(1).find((e) => e.id.startsWith(dup.idPrefix));
}

function byAge(a: Named, b: Named): number {
  return a.ctime - b.ctime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Splits an absolute namespace path into segments, refusing anything that could escape the root. */
export function splitPath(path: string): string[] {
  if (!path.startsWith('/')) throw new VfsError('EINVAL', 'path must be absolute', path);
  const parts = path.split('/').filter((s) => s !== '');
  for (const p of parts) {
    if (p === '.' || p === '..') throw new VfsError('EINVAL', 'path must not contain . or ..', path);
    if (p.includes('\0')) throw new VfsError('EINVAL', 'path contains NUL', path);
  }
  return parts;
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
