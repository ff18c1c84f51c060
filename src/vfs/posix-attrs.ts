// POSIX attributes kept with a file in PDS, in its user_meta: a JSON object in which pdsfs owns one
// key, so another machine's pdsfs shows the same modes, owners and times, and other tools' keys stay.
//
//   user_meta = {"pdsfs.posix":{"mode":33188,"uid":1000,"gid":1000,"rdev":0,
//                "atime":"1733250000.123456789","mtime":"…","ctime":"…"}, …other keys…}
//
// mode is st_mode: file type bits (regular, directory, symlink, FIFO, socket, devices) and permission
// bits with setuid, setgid and sticky. Times are "seconds.nanoseconds" since the epoch.
import { VfsError } from '../core/errors.js';

export const POSIX_META_KEY = 'pdsfs.posix';

export interface PosixAttrs {
  /** st_mode: S_IFMT type bits | permission bits (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Device number of character and block devices; 0 otherwise. */
  rdev: number;
  /** Nanoseconds since the epoch. */
  atime: bigint;
  mtime: bigint;
  ctime: bigint;
}

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

export function nsFromMs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * NS_PER_MS;
}

export function msFromNs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

let lastNow = 0n;

/** The current time in ns, on Date.now()'s clock (that of every other time the mount keeps), never repeating. */
export function nowNs(): bigint {
  const t = nsFromMs(Date.now()) + (process.hrtime.bigint() % NS_PER_MS);
  lastNow = t > lastNow ? t : lastNow + 1n;
  return lastNow;
}

/** "seconds.nanoseconds", with a minus sign before 1970 ("-1.500000000" is 1.5 s before). */
function formatTime(ns: bigint): string {
  const abs = ns < 0n ? -ns : ns;
  return `${ns < 0n ? '-' : ''}${abs / NS_PER_S}.${(abs % NS_PER_S).toString().padStart(9, '0')}`;
}

function parseTime(v: unknown): bigint | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(-?)(\d{1,12})\.(\d{9})$/.exec(v);
  if (!m) return undefined;
  const abs = BigInt(m[2]!) * NS_PER_S + BigInt(m[3]!);
  return m[1] ? -abs : abs;
}

function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/** The user_meta object, {} when empty, undefined when it holds something else (another tool's free text). */
function metaObject(userMeta: string | null | undefined): Record<string, unknown> | undefined {
  if (!userMeta) return {};
  try {
    const v: unknown = JSON.parse(userMeta);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// Listings parse the same few strings again and again: keep the answers of the last ones.
const parsed = new Map<string, PosixAttrs | null>();
const PARSED_MAX = 4096;

/** The attributes stored in a user_meta, undefined when it has none (files of other PDS clients). */
export function parsePosixMeta(userMeta: string | null | undefined): PosixAttrs | undefined {
  if (!userMeta) return undefined;
  const known = parsed.get(userMeta);
  if (known !== undefined) return known ?? undefined;
  const found = decode(metaObject(userMeta)?.[POSIX_META_KEY]);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(userMeta, found ?? null);
  return found;
}

function decode(v: unknown): PosixAttrs | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const atime = parseTime(o.atime);
  const mtime = parseTime(o.mtime);
  const ctime = parseTime(o.ctime);
  if (!isUint32(o.mode) || !isUint32(o.uid) || !isUint32(o.gid) || atime === undefined || mtime === undefined || ctime === undefined) return undefined;
  return { mode: o.mode, uid: o.uid, gid: o.gid, rdev: isUint32(o.rdev) ? o.rdev : 0, atime, mtime, ctime };
}

/** user_meta with the attributes set, other keys kept. EPERM when user_meta holds another tool's non-JSON text. */
export function withPosixMeta(userMeta: string | null | undefined, attrs: PosixAttrs): string {
  const obj = metaObject(userMeta);
  if (!obj) throw new VfsError('EPERM', 'the file carries another tool\'s user_meta; its POSIX attributes cannot be stored');
  obj[POSIX_META_KEY] = {
    mode: attrs.mode, uid: attrs.uid, gid: attrs.gid, rdev: attrs.rdev,
    atime: formatTime(attrs.atime), mtime: formatTime(attrs.mtime), ctime: formatTime(attrs.ctime),
  };
  return JSON.stringify(obj);
}

/**
 * The attributes as they stand given the file's current mtime (ms) from PDS: when the content was
 * changed since they were written (by another client, or a write not yet folded in), mtime is the
 * file's and ctime is at least that.
 */
export function currentAttrs(stored: PosixAttrs, mtimeMs: number): PosixAttrs {
  if (msFromNs(stored.mtime) === mtimeMs) return stored;
  const mtime = nsFromMs(mtimeMs);
  return { ...stored, mtime, ctime: stored.ctime > mtime ? stored.ctime : mtime };
}
