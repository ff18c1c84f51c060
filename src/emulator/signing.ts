// Signed, expiring data URLs in the style of OSS: the query carries x-oss-expires (epoch seconds)
// and x-oss-signature, an HMAC over the method, path, expiry and the other query parameters.
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { OssError } from './errors.js';

const EXPIRES = 'x-oss-expires';
const SIGNATURE = 'x-oss-signature';

export interface SignedUrl {
  url: string;
  /** ISO time. */
  expiration: string;
}

export class UrlSigner {
  /** Imported once: a listing signs a URL per file, and an HMAC from a raw key imports it each time. */
  private readonly key: KeyObject;

  constructor(
    secret: Buffer,
    private readonly endpoint: () => string,
  ) {
    this.key = createSecretKey(secret);
  }

  sign(method: 'GET' | 'PUT', pathname: string, ttlSec: number, extra: Record<string, string> = {}): SignedUrl {
    const expires = Math.floor((Date.now() + ttlSec * 1000) / 1000);
    const query = signedQuery(extra, expires);
    return { url: `${this.endpoint()}${pathname}?${query}&${SIGNATURE}=${this.mac(method, pathname, query)}`, expiration: new Date(expires * 1000).toISOString() };
  }

  /** Throws the OSS error a real bucket would give for a bad or expired signature. */
  verify(method: 'GET' | 'PUT', url: URL): void {
    const params = new URLSearchParams(url.searchParams);
    const given = params.get(SIGNATURE) ?? '';
    params.delete(SIGNATURE);
    params.sort();
    const expires = Number(params.get(EXPIRES));
    const expected = Buffer.from(this.mac(method, url.pathname, params.toString()));
    const got = Buffer.from(given);
    if (!given || got.length !== expected.length || !timingSafeEqual(got, expected) || !Number.isFinite(expires)) {
      throw new OssError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    // As OSS: expired once the current second is past x-oss-expires, so a URL is good for its whole
    // TTL (a TTL of 1 s issued at 12.96 s used to die at 13.00 s).
    if (Math.floor(Date.now() / 1000) > expires) {
      throw new OssError(403, 'AccessDenied', 'Request has expired.');
    }
  }

  /** `query`: the sorted query without the signature, as URLSearchParams renders it. */
  private mac(method: string, pathname: string, query: string): string {
    return createHmac('sha256', this.key).update(`${method}\n${pathname}\n${query}`).digest('base64url');
  }
}

/**
 * The query a URL is signed over: `extra` and the expiry, sorted. A listing signs a URL for every
 * file it returns, so the common case (the expiry alone) is written out rather than built with a
 * URLSearchParams; it is what that would render (a name and digits, nothing to escape).
 */
function signedQuery(extra: Record<string, string>, expires: number): string {
  if (Object.keys(extra).length === 0) return `${EXPIRES}=${expires}`;
  const params = new URLSearchParams({ ...extra, [EXPIRES]: String(expires) });
  params.sort();
  return params.toString();
}
