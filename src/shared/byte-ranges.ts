// A set of byte ranges [start, end), kept sorted, disjoint and merged: which parts of a staging
// file already hold their own bytes (the rest still comes from the remote file it started from).

export type ByteRange = readonly [start: number, end: number];

export class ByteRanges {
  private ranges: [number, number][] = [];

  constructor(initial: readonly ByteRange[] = []) {
    for (const [s, e] of initial) this.add(s, e);
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const kept: [number, number][] = [];
    let s = start;
    let e = end;
    for (const r of this.ranges) {
      if (r[1] < s || r[0] > e) kept.push(r);
      else {
        s = Math.min(s, r[0]);
        e = Math.max(e, r[1]);
      }
    }
    kept.push([s, e]);
    kept.sort((a, b) => a[0] - b[0]);
    this.ranges = kept;
  }

  /** The parts of [start, end) not in the set, in order. */
  gaps(start: number, end: number): ByteRange[] {
    const out: ByteRange[] = [];
    let at = start;
    for (const [s, e] of this.ranges) {
      if (e <= at) continue;
      if (s >= end) break;
      if (s > at) out.push([at, s]);
      at = Math.max(at, e);
      if (at >= end) break;
    }
    if (at < end) out.push([at, end]);
    return out;
  }

  /** Where [start, end) changes between in the set and not: pieces in order, each whole in or out. */
  pieces(start: number, end: number): { start: number; end: number; inSet: boolean }[] {
    const out: { start: number; end: number; inSet: boolean }[] = [];
    let at = start;
    for (const [gs, ge] of this.gaps(start, end)) {
      if (gs > at) out.push({ start: at, end: gs, inSet: true });
      out.push({ start: gs, end: ge, inSet: false });
      at = ge;
    }
    if (at < end) out.push({ start: at, end, inSet: true });
    return out;
  }

  toJSON(): ByteRange[] {
    return this.ranges.map(([s, e]) => [s, e] as const);
  }
}
