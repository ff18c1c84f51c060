// Apache htpasswd files: bcrypt ($2y$/$2b$/$2a$), MD5-crypt ($apr1$) and {SHA} entries.
// Plain-text and DES-crypt lines are refused at load time rather than silently never matching.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';

/** bcryptjs, loaded with the first bcrypt entry checked: most servers have no htpasswd file. */
const bcrypt = (): typeof import('bcryptjs') => createRequire(import.meta.url)('bcryptjs') as typeof import('bcryptjs');

export type HtpasswdEntries = ReadonlyMap<string, string>;

export function loadHtpasswd(file: string): HtpasswdEntries {
  const entries = new Map<string, string>();
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1).trim();
    if (colon <= 0 || !isSupportedHash(hash)) {
      throw new Error(`${file}:${i + 1}: unsupported htpasswd entry (use htpasswd -B, -m or -s)`);
    }
    entries.set(user, hash);
  });
  return entries;
}

function isSupportedHash(hash: string): boolean {
  return /^\$2[aby]\$\d\d\$/.test(hash) || hash.startsWith('$apr1$') || hash.startsWith('{SHA}');
}

/** Checks a password against one htpasswd hash; comparisons are constant-time. */
export function verifyHtpasswdHash(password: string, hash: string): boolean {
  if (hash.startsWith('$2')) return bcrypt().compareSync(password, hash);
  if (hash.startsWith('$apr1$')) {
    const salt = hash.slice(6).split('$')[0] ?? '';
    return safeEqual(apr1(password, salt), hash);
  }
  if (hash.startsWith('{SHA}')) {
    return safeEqual('{SHA}' + crypto.createHash('sha1').update(password, 'utf8').digest('base64'), hash);
  }
  return false;
}

export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Apache's MD5-crypt variant ("$apr1$salt$hash"). */
export function apr1(password: string, rawSalt: string): string {
  const magic = '$apr1$';
  const salt = rawSalt.slice(0, 8);
  const pw = Buffer.from(password, 'utf8');
  const md5 = () => crypto.createHash('md5');
  let final = md5().update(pw).update(salt).update(pw).digest();
  const ctx = md5().update(pw).update(magic).update(salt);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(final.subarray(0, Math.min(left, 16)));
  for (let i = pw.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  final = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const round = md5();
    round.update(i & 1 ? pw : final);
    if (i % 3) round.update(salt);
    if (i % 7) round.update(pw);
    round.update(i & 1 ? final : pw);
    final = round.digest();
  }
  const b = (i: number) => final[i]!;
  let out = '';
  const to64 = (v: number, n: number) => {
    for (let k = 0; k < n; k++, v >>= 6) out += ITOA64[v & 0x3f];
  };
  to64((b(0) << 16) | (b(6) << 8) | b(12), 4);
  to64((b(1) << 16) | (b(7) << 8) | b(13), 4);
  to64((b(2) << 16) | (b(8) << 8) | b(14), 4);
  to64((b(3) << 16) | (b(9) << 8) | b(15), 4);
  to64((b(4) << 16) | (b(10) << 8) | b(5), 4);
  to64(b(11), 2);
  return `${magic}${salt}$${out}`;
}
