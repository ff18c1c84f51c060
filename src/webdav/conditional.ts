// HTTP conditional requests (RFC 9110 §13): If-Match, If-Unmodified-Since, If-None-Match,
// If-Modified-Since, evaluated in the RFC's order, and If-Range plus Range for GET.
import type { IncomingMessage } from 'node:http';
import { opaque } from './if-header.js';
import type { DavResource } from './resources.js';

export type Verdict = 'proceed' | 304 | 412;

export function evaluateConditionals(req: IncomingMessage, r: DavResource | undefined, safeMethod: boolean): Verdict {
  const ifMatch = req.headers['if-match'];
  const ifNoneMatch = req.headers['if-none-match'];
  const etag = r?.etag;
  if (ifMatch !== undefined) {
    if (!r || !tagListMatches(ifMatch, etag)) return 412;
  } else {
    const since = httpDate(req.headers['if-unmodified-since']);
    if (r && since !== undefined && seconds(r.mtime) > since) return 412;
  }
  if (ifNoneMatch !== undefined) {
    if (r && tagListMatches(ifNoneMatch, etag)) return safeMethod ? 304 : 412;
  } else if (safeMethod && r) {
    const since = httpDate(req.headers['if-modified-since']);
    if (since !== undefined && seconds(r.mtime) <= since) return 304;
  }
  return 'proceed';
}

/** "*" matches any existing representation; otherwise one of the listed tags must equal ours. */
function tagListMatches(header: string, etag: string | undefined): boolean {
  if (header.trim() === '*') return true;
  if (etag === undefined) return false;
  return header.split(',').some((t) => opaque(t) === `"${etag}"`);
}

function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : seconds(ms);
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * One byte range of a `size`-byte entity. Multiple ranges, other units and malformed headers are
 * ignored (the whole entity is sent, which RFC 9110 allows); an empty entity is always sent whole.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  const m = header === undefined ? null : /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || size === 0 || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Number(m[2]);
  if (start >= size) return { kind: 'unsatisfiable' };
  if (end < start) return { kind: 'full' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

/** If-Range: the range applies only while the validator (entity tag or date) still matches. */
export function ifRangeAllows(req: IncomingMessage, r: DavResource): boolean {
  const raw = req.headers['if-range'];
  if (raw === undefined) return true;
  const v = String(raw).trim();
  // Weak tags never validate a range (RFC 9110 §13.1.5).
  if (v.startsWith('"') || v.startsWith('W/')) return r.etag !== undefined && v === `"${r.etag}"`;
  const date = httpDate(v);
  return date !== undefined && date === seconds(r.mtime);
}
