// Keyset paging behind opaque markers. A marker remembers the sort value and the row's seq of the
// last item served, plus a tag naming the query it belongs to, so pages stay stable while rows
// are added or removed between calls.
import { invalidParam } from '../errors.js';
import type { Sql } from './sql.js';

export interface PageQuery {
  /** FROM clause target and WHERE condition (with ? params). */
  from: string;
  where: string;
  params: unknown[];
  /** Sort column (SQL) and direction; ties are broken by `seqColumn` in the same direction. */
  orderColumn: string;
  direction: 'ASC' | 'DESC';
  seqColumn?: string;
  limit: number;
  marker?: string;
  /** Identifies the query; a marker from another query is refused. */
  tag: string;
}

interface MarkerPayload {
  t: string;
  v: string | number | null;
  s: number;
}

export function encodeMarker(payload: MarkerPayload): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeMarker(marker: string): MarkerPayload {
  try {
    const p = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8')) as MarkerPayload;
    if (typeof p.t === 'string' && typeof p.s === 'number') return p;
  } catch {
    // falls through to the error below
  }
  throw invalidParam('marker', 'The input parameter marker is not valid.');
}

export function pageRows<T extends Record<string, unknown>>(sql: Sql, q: PageQuery): { rows: T[]; nextMarker: string } {
  const seq = q.seqColumn ?? 'seq';
  const cmp = q.direction === 'ASC' ? '>' : '<';
  let where = q.where;
  const params = [...q.params];
  if (q.marker) {
    const m = decodeMarker(q.marker);
    if (m.t !== q.tag) throw invalidParam('marker', 'The marker belongs to another query.');
    // A row value, not "a > ? OR (a = ? AND seq > ?)": SQLite turns it into a range on an index
    // ordered by (a, seq), so a page deep in a large folder costs what the first one does.
    where = `(${where}) AND (${q.orderColumn}, ${seq}) ${cmp} (?, ?)`;
    params.push(m.v, m.s);
  }
  const rows = sql.allRows<T>(
    `SELECT * FROM ${q.from} WHERE ${where} ORDER BY ${q.orderColumn} ${q.direction}, ${seq} ${q.direction} LIMIT ?`,
    ...params, q.limit + 1,
  );
  if (rows.length <= q.limit) return { rows, nextMarker: '' };
  rows.pop();
  const last = rows[rows.length - 1] as T;
  const key = q.orderColumn.replace(/^.*\./, '');
  return { rows, nextMarker: encodeMarker({ t: q.tag, v: last[key] as string | number | null, s: last[seq.replace(/^.*\./, '')] as number }) };
}
