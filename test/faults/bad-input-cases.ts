// The bad-input sweep of the WebDAV server, as data: malformed and hostile XML bodies, oversized
// bodies and headers, names PDS refuses, NUL and control characters, path traversal in every
// spelling, and bad Destination, Depth, Range, If, Lock-Token, Timeout and Overwrite headers. Each
// case names the one status it must get; bad-input.test.ts sends them over real HTTP.

export interface BadCase {
  name: string;
  method: string;
  /** Raw request-target, sent exactly as written. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  status: number;
  /** Answered by Node's HTTP parser itself, which sends no body (no readable message to check). */
  bareStatus?: boolean;
}

export interface CaseContext {
  /** Percent-encoded path of the sweep's folder (no trailing slash). */
  dir: string;
  /** Percent-encoded path of an existing file in it, and of an existing sub-folder. */
  file: string;
  sub: string;
  /** Host header value of the server (host:port). */
  host: string;
  /** A local file whose content must never appear in an answer (XXE target). */
  secretFile: string;
  /** URL of a listener that must never be contacted (external DTD / entity). */
  trapUrl: string;
}

const MiB = 1024 * 1024;
const DAV = 'xmlns:D="DAV:"';
const PROPFIND_ALL = `<?xml version="1.0"?><D:propfind ${DAV}><D:allprop/></D:propfind>`;
const LOCKINFO = `<?xml version="1.0"?><D:lockinfo ${DAV}><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>`;
const PATCH = (inner: string) => `<?xml version="1.0"?><D:propertyupdate ${DAV} xmlns:Z="urn:z"><D:set><D:prop>${inner}</D:prop></D:set></D:propertyupdate>`;

/** Names of `bytes` UTF-8 bytes: 3-byte characters plus ASCII padding. */
export function nameOfBytes(bytes: number, ext = '.txt'): string {
  const body = bytes - ext.length;
  return '€'.repeat(Math.floor(body / 3)) + 'x'.repeat(body % 3) + ext;
}

const enc = (name: string) => encodeURIComponent(name);

function billionLaughs(): string {
  let dtd = '<!ENTITY lol0 "lol">';
  for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
  return `<?xml version="1.0"?><!DOCTYPE D:propfind [${dtd}]><D:propfind ${DAV}><D:prop><D:displayname>&lol9;</D:displayname></D:prop></D:propfind>`;
}

export function badCases(c: CaseContext): BadCase[] {
  const xxeFile = `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://${c.secretFile}">]>`;
  const xxeHttp = `<!DOCTYPE x [<!ENTITY xxe SYSTEM "${c.trapUrl}/entity">]>`;
  const dest = (to: string) => ({ destination: to });
  const local = `http://${c.host}`;
  const cases: BadCase[] = [
    // ---- XML bodies ----
    { name: 'PROPFIND: unclosed element', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<D:propfind ${DAV}><D:prop>`, status: 400 },
    { name: 'PROPFIND: not XML at all', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: 'hello, world', status: 400 },
    { name: 'PROPFIND: undeclared prefix', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: '<D:propfind><D:allprop/></D:propfind>', status: 400 },
    { name: 'PROPFIND: wrong root element', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<D:lockinfo ${DAV}/>`, status: 400 },
    { name: 'PROPFIND: two root elements', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<D:propfind ${DAV}/><D:propfind ${DAV}/>`, status: 400 },
    { name: 'PROPFIND: invalid UTF-8 and binary bytes', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: Buffer.from([0x3c, 0xff, 0xfe, 0x00, 0x01, 0x3e]), status: 400 },
    { name: 'PROPFIND: undefined entity', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<D:propfind ${DAV}><D:prop><D:x>&nope;</D:x></D:prop></D:propfind>`, status: 400 },
    { name: 'PROPFIND: 20,000 nested elements', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<D:propfind ${DAV}>${'<D:a>'.repeat(20_000)}${'</D:a>'.repeat(20_000)}</D:propfind>`, status: 400 },
    { name: 'PROPFIND: 60,000 sibling properties', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<D:propfind ${DAV}><D:prop>${'<D:p/>'.repeat(60_000)}</D:prop></D:propfind>`, status: 400 },
    { name: 'PROPFIND: XXE (file entity)', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<?xml version="1.0"?>${xxeFile}<D:propfind ${DAV}><D:prop><D:displayname>&xxe;</D:displayname></D:prop></D:propfind>`, status: 400 },
    { name: 'PROPFIND: XXE (http entity, SSRF)', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<?xml version="1.0"?>${xxeHttp}<D:propfind ${DAV}><D:prop><D:displayname>&xxe;</D:displayname></D:prop></D:propfind>`, status: 400 },
    { name: 'PROPFIND: external DTD', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<?xml version="1.0"?><!DOCTYPE D:propfind SYSTEM "${c.trapUrl}/dtd"><D:propfind ${DAV}><D:allprop/></D:propfind>`, status: 400 },
    { name: 'PROPFIND: parameter entity', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "${c.trapUrl}/param"> %p;]><D:propfind ${DAV}><D:allprop/></D:propfind>`, status: 400 },
    { name: 'PROPFIND: billion laughs', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: billionLaughs(), status: 400 },
    { name: 'PROPFIND: 5 MiB body', method: 'PROPFIND', path: c.dir, headers: { depth: '0' }, body: `<D:propfind ${DAV}><D:prop>${'<D:displayname/>'.repeat((5 * MiB) / 16)}</D:prop></D:propfind>`, status: 413 },
    { name: 'PROPFIND: 5 MiB chunked body', method: 'PROPFIND', path: c.dir, headers: { depth: '0', 'transfer-encoding': 'chunked' }, body: ' '.repeat(5 * MiB) + PROPFIND_ALL, status: 413 },
    { name: 'PROPPATCH: unclosed element', method: 'PROPPATCH', path: c.file, body: `<D:propertyupdate ${DAV}><D:set>`, status: 400 },
    { name: 'PROPPATCH: empty body', method: 'PROPPATCH', path: c.file, body: '', status: 400 },
    { name: 'PROPPATCH: names no property', method: 'PROPPATCH', path: c.file, body: `<D:propertyupdate ${DAV}><D:set><D:prop/></D:set></D:propertyupdate>`, status: 400 },
    { name: 'PROPPATCH: XXE in a value', method: 'PROPPATCH', path: c.file, body: `<?xml version="1.0"?>${xxeFile}${PATCH('<Z:leak>&xxe;</Z:leak>').replace('<?xml version="1.0"?>', '')}`, status: 400 },
    { name: 'PROPPATCH: billion laughs', method: 'PROPPATCH', path: c.file, body: billionLaughs().replace(/D:propfind/g, 'D:propertyupdate'), status: 400 },
    { name: 'PROPPATCH: 5 MiB value', method: 'PROPPATCH', path: c.file, body: PATCH(`<Z:big>${'x'.repeat(5 * MiB)}</Z:big>`), status: 413 },
    { name: 'LOCK: unclosed element', method: 'LOCK', path: c.file, body: `<D:lockinfo ${DAV}><D:lockscope>`, status: 400 },
    { name: 'LOCK: no lockscope', method: 'LOCK', path: c.file, body: `<D:lockinfo ${DAV}><D:locktype><D:write/></D:locktype></D:lockinfo>`, status: 400 },
    { name: 'LOCK: unknown lock type', method: 'LOCK', path: c.file, body: LOCKINFO.replace('<D:write/>', '<D:read/>'), status: 400 },
    { name: 'LOCK: XXE in owner', method: 'LOCK', path: c.file, body: `<?xml version="1.0"?>${xxeFile}${LOCKINFO.replace('<?xml version="1.0"?>', '').replace('</D:lockinfo>', '<D:owner>&xxe;</D:owner></D:lockinfo>')}`, status: 400 },
    { name: 'LOCK: billion laughs', method: 'LOCK', path: c.file, body: billionLaughs().replace(/D:propfind/g, 'D:lockinfo'), status: 400 },
    { name: 'LOCK: 5 MiB body', method: 'LOCK', path: c.file, body: LOCKINFO.replace('</D:lockinfo>', `<D:owner>${'o'.repeat(5 * MiB)}</D:owner></D:lockinfo>`), status: 413 },
    { name: 'MKCOL: with a body', method: 'MKCOL', path: `${c.dir}/mkcol-body`, body: '<x/>', status: 415 },

    // ---- oversized headers and URLs ----
    { name: '64 KiB header', method: 'PROPFIND', path: c.dir, headers: { depth: '0', 'x-filler': 'a'.repeat(64 * 1024) }, status: 431, bareStatus: true },
    { name: 'URL of 9,000 bytes', method: 'GET', path: `${c.dir}/${'a'.repeat(9000)}`, status: 400 },
    { name: 'Content-Length not a number', method: 'PUT', path: `${c.dir}/cl.txt`, headers: { 'content-length': 'abc' }, status: 400, bareStatus: true },

    // ---- names PDS refuses ----
    { name: 'PUT: 1025-byte name', method: 'PUT', path: `${c.dir}/${enc(nameOfBytes(1025))}`, body: 'x', status: 400 },
    { name: 'MKCOL: 1025-byte name', method: 'MKCOL', path: `${c.dir}/${enc(nameOfBytes(1025, ''))}`, status: 400 },
    { name: 'MOVE: to a 1025-byte name', method: 'MOVE', path: c.file, headers: dest(`${c.dir}/${enc(nameOfBytes(1025))}`), status: 400 },
    { name: 'COPY: to a 1025-byte name', method: 'COPY', path: c.file, headers: dest(`${local}${c.dir}/${enc(nameOfBytes(1025))}`), status: 400 },
    { name: 'PUT: NUL in a name (%00)', method: 'PUT', path: `${c.dir}/a%00b.txt`, body: 'x', status: 400 },
    { name: 'PUT: %01 in a name', method: 'PUT', path: `${c.dir}/a%01b.txt`, body: 'x', status: 400 },
    { name: 'PUT: %1F in a name', method: 'PUT', path: `${c.dir}/a%1Fb.txt`, body: 'x', status: 400 },
    { name: 'PUT: %7F in a name', method: 'PUT', path: `${c.dir}/a%7Fb.txt`, body: 'x', status: 400 },
    { name: 'PUT: newline in a name (%0A)', method: 'PUT', path: `${c.dir}/a%0Ab.txt`, body: 'x', status: 400 },
    { name: 'MKCOL: %0D in a name', method: 'MKCOL', path: `${c.dir}/a%0Db`, status: 400 },
    { name: 'MOVE: to a name with %01', method: 'MOVE', path: c.file, headers: dest(`${c.dir}/bad%01name.txt`), status: 400 },
    { name: 'PUT: encoded slash (%2F)', method: 'PUT', path: `${c.dir}/a%2Fb.txt`, body: 'x', status: 400 },
    { name: 'PUT: lone surrogate (%ED%A0%80)', method: 'PUT', path: `${c.dir}/a%ED%A0%80.txt`, body: 'x', status: 400 },
    { name: 'PUT: Latin-1 byte (%E9)', method: 'PUT', path: `${c.dir}/caf%E9.txt`, body: 'x', status: 400 },
    { name: 'GET: broken percent-encoding (%zz)', method: 'GET', path: `${c.dir}/%zz`, status: 400 },
    { name: 'GET: truncated percent-encoding (%4)', method: 'GET', path: `${c.dir}/a%4`, status: 400 },

    // ---- path traversal ----
    { name: 'GET: ../ segments', method: 'GET', path: `${c.dir}/../../../../etc/passwd`, status: 400 },
    { name: 'GET: %2e%2e%2f', method: 'GET', path: `${c.dir}/%2e%2e%2f%2e%2e%2fetc%2fpasswd`, status: 400 },
    { name: 'GET: %2e%2e segments', method: 'GET', path: `/%2e%2e/%2e%2e/etc/passwd`, status: 400 },
    { name: 'GET: encoded backslashes', method: 'GET', path: `${c.dir}/..%5c..%5cetc%5cpasswd`, status: 400 },
    { name: 'GET: raw backslashes', method: 'GET', path: `${c.dir}/..\\..\\etc\\passwd`, status: 400 },
    { name: 'GET: ./ segment', method: 'GET', path: `${c.dir}/./${c.file.split('/').pop()}`, status: 400 },
    { name: 'GET: double-encoded dots name nothing', method: 'GET', path: `${c.dir}/%252e%252e/%252e%252e/etc/passwd`, status: 404 },
    { name: 'GET: absolute path outside the namespace', method: 'GET', path: '//etc/passwd', status: 404 },
    { name: 'GET: fragment in the target', method: 'GET', path: `${c.file}%23x#frag`, status: 400 },
    { name: 'PUT: traversal to the cache dir', method: 'PUT', path: `${c.dir}/../../../../tmp/escaped.txt`, body: 'x', status: 400 },
    { name: 'DELETE: traversal', method: 'DELETE', path: `${c.dir}/%2e%2e`, status: 400 },
    { name: 'MKCOL: traversal', method: 'MKCOL', path: `${c.dir}/..%2fescaped`, status: 400 },

    // ---- Destination ----
    { name: 'MOVE: no Destination', method: 'MOVE', path: c.file, status: 400 },
    { name: 'MOVE: Destination on another host', method: 'MOVE', path: c.file, headers: dest(`http://elsewhere.example${c.dir}/moved.txt`), status: 502 },
    { name: 'COPY: Destination on another port', method: 'COPY', path: c.file, headers: dest(`http://${c.host.replace(/:\d+$/, ':1')}${c.dir}/copied.txt`), status: 502 },
    { name: 'MOVE: Destination with ../', method: 'MOVE', path: c.file, headers: dest(`${local}${c.dir}/../../../escaped.txt`), status: 400 },
    { name: 'MOVE: Destination with %2e%2e%2f', method: 'MOVE', path: c.file, headers: dest(`${c.dir}/%2e%2e%2f%2e%2e%2fescaped.txt`), status: 400 },
    { name: 'COPY: Destination with encoded backslashes', method: 'COPY', path: c.file, headers: dest(`${c.dir}/..%5c..%5cescaped.txt`), status: 400 },
    { name: 'COPY: relative Destination', method: 'COPY', path: c.file, headers: dest('copied.txt'), status: 400 },
    { name: 'COPY: Destination with NUL', method: 'COPY', path: c.file, headers: dest(`${c.dir}/a%00b.txt`), status: 400 },
    { name: 'COPY: Destination with broken encoding', method: 'COPY', path: c.file, headers: dest(`${c.dir}/%zz.txt`), status: 400 },
    { name: 'MOVE: Destination is the source', method: 'MOVE', path: c.file, headers: dest(c.file), status: 403 },
    { name: 'MOVE: a folder into itself', method: 'MOVE', path: c.sub, headers: dest(`${c.sub}/inner`), status: 403 },
    { name: 'COPY: Overwrite neither T nor F', method: 'COPY', path: c.file, headers: { ...dest(`${c.dir}/copied.txt`), overwrite: 'maybe' }, status: 400 },
    { name: 'COPY: Overwrite F onto an existing file', method: 'COPY', path: c.file, headers: { ...dest(c.sub + '/inside.txt'), overwrite: 'F' }, status: 412 },

    // ---- Depth ----
    { name: 'PROPFIND: Depth 2', method: 'PROPFIND', path: c.dir, headers: { depth: '2' }, status: 400 },
    { name: 'PROPFIND: Depth -1', method: 'PROPFIND', path: c.dir, headers: { depth: '-1' }, status: 400 },
    { name: 'PROPFIND: Depth empty', method: 'PROPFIND', path: c.dir, headers: { depth: '' }, status: 400 },
    { name: 'PROPFIND: Depth infinity', method: 'PROPFIND', path: c.dir, headers: { depth: 'infinity' }, status: 403 },
    { name: 'COPY: folder with Depth 1', method: 'COPY', path: c.sub, headers: { ...dest(`${c.dir}/copied-sub`), depth: '1' }, status: 400 },
    { name: 'MOVE: folder with Depth 0', method: 'MOVE', path: c.sub, headers: { ...dest(`${c.dir}/moved-sub`), depth: '0' }, status: 400 },
    { name: 'DELETE: Depth 0', method: 'DELETE', path: c.sub, headers: { depth: '0' }, status: 400 },
    { name: 'LOCK: Depth 1', method: 'LOCK', path: c.file, headers: { depth: '1' }, body: LOCKINFO, status: 400 },

    // ---- Range (RFC 9110 §14.2: an invalid range is ignored, an unsatisfiable one is 416) ----
    { name: 'GET: Range beyond the end', method: 'GET', path: c.file, headers: { range: 'bytes=999999999-' }, status: 416 },
    { name: 'GET: Range bytes=-0', method: 'GET', path: c.file, headers: { range: 'bytes=-0' }, status: 416 },
    { name: 'GET: Range garbage is ignored', method: 'GET', path: c.file, headers: { range: 'bytes=abc' }, status: 200 },
    { name: 'GET: Range backwards is ignored', method: 'GET', path: c.file, headers: { range: 'bytes=5-2' }, status: 200 },
    { name: 'GET: Range of another unit is ignored', method: 'GET', path: c.file, headers: { range: 'items=0-1' }, status: 200 },
    { name: 'GET: Range with a 30-digit end', method: 'GET', path: c.file, headers: { range: 'bytes=0-999999999999999999999999999999' }, status: 206 },

    // ---- If ----
    { name: 'PUT: If header garbage', method: 'PUT', path: c.file, headers: { if: 'garbage' }, body: 'x', status: 400 },
    { name: 'PUT: If header unterminated list', method: 'PUT', path: c.file, headers: { if: '(<urn:uuid:x>' }, body: 'x', status: 400 },
    { name: 'PUT: If header empty list', method: 'PUT', path: c.file, headers: { if: '()' }, body: 'x', status: 400 },
    { name: 'PUT: If header lone Not', method: 'PUT', path: c.file, headers: { if: '(Not)' }, body: 'x', status: 400 },
    { name: 'PUT: If header unknown token', method: 'PUT', path: c.file, headers: { if: '(<urn:uuid:00000000-0000-0000-0000-000000000000>)' }, body: 'x', status: 412 },
    { name: 'PUT: If header tagged with another host', method: 'PUT', path: c.file, headers: { if: `<http://elsewhere.example${c.file}> (<urn:uuid:x>)` }, body: 'x', status: 412 },
    { name: 'PUT: If header wrong etag', method: 'PUT', path: c.file, headers: { if: '(["nope"])' }, body: 'x', status: 412 },
    { name: 'DELETE: If header 8 KiB of lists', method: 'DELETE', path: c.file, headers: { if: '(<urn:uuid:x>)'.repeat(580) }, status: 412 },
    { name: 'PUT: If-Match garbage', method: 'PUT', path: c.file, headers: { 'if-match': 'garbage' }, body: 'x', status: 412 },

    // ---- Lock-Token, Timeout ----
    { name: 'UNLOCK: no Lock-Token', method: 'UNLOCK', path: c.file, status: 400 },
    { name: 'UNLOCK: Lock-Token without brackets', method: 'UNLOCK', path: c.file, headers: { 'lock-token': 'urn:uuid:x' }, status: 400 },
    { name: 'UNLOCK: Lock-Token garbage', method: 'UNLOCK', path: c.file, headers: { 'lock-token': '<<>>' }, status: 400 },
    { name: 'UNLOCK: unknown Lock-Token', method: 'UNLOCK', path: c.file, headers: { 'lock-token': '<urn:uuid:00000000-0000-0000-0000-000000000000>' }, status: 409 },
    { name: 'LOCK: refresh without If', method: 'LOCK', path: c.file, headers: { timeout: 'Second-60' }, status: 400 },
    { name: 'LOCK: refresh with an unknown token', method: 'LOCK', path: c.file, headers: { if: '(<urn:uuid:00000000-0000-0000-0000-000000000000>)', timeout: 'Second-60' }, status: 412 },

    // ---- other methods and headers ----
    { name: 'PUT: onto a folder', method: 'PUT', path: c.sub, body: 'x', status: 405 },
    { name: 'PUT: Content-Range', method: 'PUT', path: c.file, headers: { 'content-range': 'bytes 0-0/1' }, body: 'x', status: 400 },
    { name: 'PUT: body shorter than X-Expected-Entity-Length', method: 'PUT', path: `${c.dir}/short.txt`, headers: { 'transfer-encoding': 'chunked', 'x-expected-entity-length': '10' }, body: 'abc', status: 400 },
    { name: 'MKCOL: parent missing', method: 'MKCOL', path: `${c.dir}/no/such/parent`, status: 409 },
    { name: 'method we do not implement', method: 'PATCH', path: c.file, body: 'x', status: 501 },
    { name: 'method HTTP does not know', method: 'BREW', path: c.file, status: 400, bareStatus: true },
  ];
  return cases;
}

/** Bad Timeout headers: the lock is granted with a bounded timeout (RFC 4918 §10.7 lets a server pick it). */
export const BAD_TIMEOUTS = ['garbage', 'Second-', 'Second--5', 'Second-99999999999999999999999', 'Infinite, Second-4100000000', 'Second-1e9', ''];
