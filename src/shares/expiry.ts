// --expire values of `pdsfs share create/update`: a duration from now ("7d", "12h", "1w2d", "90m"),
// an RFC 3339 time, or "never". PDS takes RFC 3339 with "" meaning never (docs/pds-wire-protocol.md, Share links).
import { ShareCommandError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const DURATION = /^(?:\d+[wdhms])+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/** The expiration to send: "" for never, else an RFC 3339 UTC time in the future. */
export function parseExpire(text: string, now = Date.now()): string {
  const value = text.trim();
  if (value.toLowerCase() === 'never') return '';
  let at: number;
  if (DURATION.test(value.toLowerCase())) {
    at = now;
    for (const [, n, unit] of value.toLowerCase().matchAll(/(\d+)([wdhms])/g)) at += Number(n) * UNIT_MS[unit!]!;
    if (at === now) throw new ShareCommandError(`--expire ${text}: a duration must be longer than 0`);
  } else if (RFC3339.test(value)) {
    at = Date.parse(value.replace(' ', 'T'));
    if (Number.isNaN(at)) throw new ShareCommandError(`--expire ${text}: not a valid time`);
    if (at <= now) throw new ShareCommandError(`--expire ${text}: that time has passed`);
  } else {
    throw new ShareCommandError(`--expire ${text}: give a duration like 7d, 12h or 1w2d, an RFC 3339 time like 2030-01-31T12:00:00Z, or never`);
  }
  return new Date(at).toISOString().replace(/\.000Z$/, 'Z');
}

/** How an expiration reads in a table: "never", or the UTC time (to the second). */
export function formatExpiration(expiration: string | undefined): string {
  if (!expiration) return 'never';
  const at = Date.parse(expiration);
  return Number.isNaN(at) ? expiration : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
