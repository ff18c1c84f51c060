// One API request on Node's own HTTP client: POST a body, read the whole answer as text. API calls
// are small and many (a cold tree walk makes one list call per folder), and going through axios cost
// more per call than the call's own work (config merging, header objects, interceptor promises);
// transfers, which stream, still go through axios (download.ts, upload-part.ts).
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export interface TextAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  data: string;
}

export interface PostOptions {
  agents: { http: http.Agent; https: https.Agent };
  signal?: AbortSignal | undefined;
  /** Without a byte moving for this long, the request fails with ETIMEDOUT. */
  timeoutMs: number;
}

const DECODE: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

/**
 * POSTs `body` to `url` with `headers`. A failure carries Node's error code (ECONNRESET, …) and the
 * request (`request.reusedSocket` says whether a kept-alive socket was reused), as axios's did.
 */
export function postText(url: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const payload = Buffer.from(body);
    const req = (secure ? https : http).request(target, {
      method: 'POST',
      agent: secure ? opts.agents.https : opts.agents.http,
      headers: { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', ...headers, 'content-length': payload.length },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const fail = (err: Error) => reject(Object.assign(err, { request: req }));
    req.setTimeout(opts.timeoutMs, () => req.destroy(Object.assign(new Error(`timeout of ${opts.timeoutMs}ms exceeded`), { code: 'ETIMEDOUT' })));
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const decode = DECODE[String(res.headers['content-encoding'] ?? '').trim().toLowerCase()];
        (decode ? decode(raw) : Promise.resolve(raw)).then(
          (bytes) => resolve({ status: res.statusCode ?? 0, headers: res.headers, data: bytes.toString('utf8') }),
          (err: Error) => fail(err),
        );
      });
    });
    req.end(payload);
  });
}
