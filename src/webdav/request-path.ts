// Request-target and Destination decoding. Everything that reaches the handlers is a clean POSIX
// namespace path: percent-decoding is checked, and dot segments (raw or encoded), encoded slashes,
// backslashes, NUL and fragments are refused, so no request can name anything outside the namespace.

export class BadPathError extends Error {
  override readonly name = 'BadPathError';
}

export interface RequestTarget {
  /** "/" or "/a/b" (never a trailing slash). */
  path: string;
  /** The client wrote a trailing slash (a collection). */
  trailingSlash: boolean;
}

const MAX_URL_BYTES = 8192;

/** Decodes the path part of a request-target (origin or absolute form). Throws BadPathError. */
export function parseRequestTarget(rawUrl: string): RequestTarget {
  if (rawUrl.length > MAX_URL_BYTES) throw new BadPathError('URL too long');
  let raw = rawUrl;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(raw);
  if (scheme) raw = raw.slice(scheme[0].length) || '/';
  if (raw.includes('#')) throw new BadPathError('fragment in request-target');
  const q = raw.indexOf('?');
  if (q >= 0) raw = raw.slice(0, q);
  if (!raw.startsWith('/')) throw new BadPathError('request-target is not an absolute path');
  const segments: string[] = [];
  for (const encoded of raw.split('/')) {
    if (encoded === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(encoded);
    } catch {
      throw new BadPathError('malformed percent-encoding');
    }
    if (seg === '.' || seg === '..') throw new BadPathError('dot segment');
    if (/[/\\\0]/.test(seg)) throw new BadPathError('slash, backslash or NUL inside a name');
    segments.push(seg);
  }
  return { path: '/' + segments.join('/'), trailingSlash: raw.length > 1 && raw.endsWith('/') };
}

/**
 * Decodes a Destination header (absolute URL or absolute path). Returns undefined when the URL
 * names another host, which RFC 4918 §9.8.4 answers with 502.
 */
export function parseDestination(header: string, requestHost: string | undefined): RequestTarget | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(header.trim());
  if (m && requestHost !== undefined && m[2]!.toLowerCase() !== requestHost.toLowerCase()) return undefined;
  return parseRequestTarget(header.trim());
}

/** Percent-encodes a namespace path for use in an href; collections get a trailing slash. */
export function hrefOf(path: string, isDir: boolean): string {
  if (path === '/') return '/';
  const encoded = path.split('/').map(encodeSegment).join('/');
  return isDir ? encoded + '/' : encoded;
}

function encodeSegment(seg: string): string {
  return encodeURIComponent(seg).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? '/' + name : dir + '/' + name;
}

/** True when `path` is `ancestor` or lies below it. */
export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === '/' || path === ancestor || path.startsWith(ancestor + '/');
}
