// Compact JWS helpers: HS256 for the tokens the emulator issues (access and share tokens), RS256
// verification for jwt-bearer assertions signed by an application's private key.
import { createHmac, timingSafeEqual, verify as verifySignature } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function hmac(data: string, secret: Buffer): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

export function signHs256(claims: JwtClaims, secret: Buffer): string {
  const data = `${b64json({ alg: 'HS256', typ: 'JWT' })}.${b64json(claims)}`;
  return `${data}.${hmac(data, secret).toString('base64url')}`;
}

interface Parsed {
  header: JwtClaims;
  claims: JwtClaims;
  data: string;
  signature: Buffer;
}

function parse(token: string): Parsed | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const [h, c, s] = parts as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, data: `${h}.${c}`, signature: Buffer.from(s, 'base64url') };
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is JwtClaims {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Claims of a token whose HS256 signature is valid (expiry is the caller's business), else undefined. */
export function verifyHs256(token: string, secret: Buffer): JwtClaims | undefined {
  const p = parse(token);
  if (!p || p.header.alg !== 'HS256') return undefined;
  const expected = hmac(p.data, secret);
  if (expected.length !== p.signature.length || !timingSafeEqual(expected, p.signature)) return undefined;
  return p.claims;
}

/** Claims of an RS256 token signed by the key matching publicKeyPem, else undefined. */
export function verifyRs256(token: string, publicKeyPem: string): JwtClaims | undefined {
  const p = parse(token);
  if (!p || p.header.alg !== 'RS256') return undefined;
  try {
    return verifySignature('RSA-SHA256', Buffer.from(p.data), publicKeyPem, p.signature) ? p.claims : undefined;
  } catch {
    return undefined;
  }
}
