// HTTP Basic authentication (Digest doubles Windows round-trips and WebClient can't use it).
// Credentials are compared in constant time; slow htpasswd hashes (bcrypt) are verified once and the
// verified Authorization header is then remembered by its SHA-256 for a few minutes.
import crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { loadHtpasswd, safeEqual, verifyHtpasswdHash } from './htpasswd.js';

export type AuthConfig = { user: string; password: string } | { htpasswdFile: string } | 'none';

export interface Authenticator {
  readonly required: boolean;
  /** The user name when the Authorization header carries valid credentials, else undefined. */
  verify(authorization: string | undefined): string | undefined;
}

export const AUTH_CHALLENGE = 'Basic realm="pdsfs", charset="UTF-8"';

export function createAuthenticator(config: AuthConfig): Authenticator {
  if (config === 'none') return { required: false, verify: () => 'anonymous' };
  const check = 'htpasswdFile' in config ? htpasswdChecker(config.htpasswdFile) : fixedChecker(config.user, config.password);
  const verified = new LRUCache<string, string>({ max: 256, ttl: 10 * 60_000 });
  return {
    required: true,
    verify(authorization) {
      const creds = parseBasic(authorization);
      if (!creds) return undefined;
      const key = crypto.createHash('sha256').update(authorization!).digest('base64');
      const known = verified.get(key);
      if (known !== undefined) return known;
      if (!check(creds.user, creds.password)) return undefined;
      verified.set(key, creds.user);
      return creds.user;
    },
  };
}

function fixedChecker(user: string, password: string): (u: string, p: string) => boolean {
  // Both comparisons always run, so timing reveals neither which part was wrong nor how much matched.
  return (u, p) => {
    const userOk = safeEqual(u, user);
    const passwordOk = safeEqual(p, password);
    return userOk && passwordOk;
  };
}

function htpasswdChecker(file: string): (u: string, p: string) => boolean {
  const entries = loadHtpasswd(file);
  // An unknown user is checked against a dummy hash so it costs the same as a wrong password.
  const dummy = '{SHA}' + crypto.randomBytes(20).toString('base64');
  return (u, p) => {
    const hash = entries.get(u);
    const ok = verifyHtpasswdHash(p, hash ?? dummy);
    return hash !== undefined && ok;
  };
}

/** Decodes "Basic base64(user:password)"; a Windows "DOMAIN\user" loses its domain. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  return { user: user.slice(user.lastIndexOf('\\') + 1), password: decoded.slice(colon + 1) };
}
