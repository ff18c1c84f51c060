// GET and HEAD. Files: validators (ETag = quoted content hash, Last-Modified), conditionals (304/412),
// one byte range read straight from the Vfs (206 with the total size, 416), exact Content-Length,
// and a body streamed in block-sized reads with backpressure that stops when the client leaves.
// Collections: the HTML listing for browsers (no redirect for a missing trailing slash).
import type { ServerResponse } from 'node:http';
import { writeChunk } from '../../shared/backpressure.js';
import { evaluateConditionals, ifRangeAllows, parseRange } from '../conditional.js';
import { type DavHandler, type DavRequest, type DavServices, headerOf } from '../dav-method.js';
import { HttpError } from '../http-error.js';
import { LISTING_CSP, parseSort, renderListing } from '../html-listing.js';
import { contentTypeOf } from '../live-props.js';
import { type DavResource, quotedEtag } from '../resources.js';

const READ_CHUNK = 1024 * 1024;
const READS_AHEAD = 4;

export const get: DavHandler = (r, s) => serve(r, s, true);
export const head: DavHandler = (r, s) => serve(r, s, false);

async function serve(r: DavRequest, s: DavServices, withBody: boolean): Promise<void> {
  const resource = await s.resources.requested(r.ctx, r.path);
  if (!resource) throw new HttpError(404, 'not found');
  if (resource.isDir) return listing(r, s, withBody);

  const verdict = evaluateConditionals(r.req, resource, true);
  if (verdict === 412) throw new HttpError(412, 'precondition failed');
  const { res } = r;
  const etag = quotedEtag(resource);
  if (etag) res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', new Date(resource.mtime).toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  if (verdict === 304) {
    res.statusCode = 304;
    return void res.end();
  }
  const range = ifRangeAllows(r.req, resource) ? parseRange(headerOf(r.req, 'range'), resource.size) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${resource.size}`);
    throw new HttpError(416, 'range not satisfiable');
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, resource.size - 1];
  // Open before answering, so a failure still gets a proper status instead of a cut-off body.
  const source = withBody && end >= start ? await openSource(s, resource) : undefined;
  try {
    res.statusCode = range.kind === 'partial' ? 206 : 200;
    if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${resource.size}`);
    res.setHeader('Content-Type', contentTypeOf(resource.name));
    res.setHeader('Content-Length', Math.max(0, end - start + 1));
    if (source) await pump(res, source, start, end + 1);
    res.end();
  } finally {
    await source?.close();
  }
}

interface ByteSource {
  read(into: Buffer, position: number, length: number): Promise<number>;
  close(): Promise<void>;
}

async function openSource(s: DavServices, r: DavResource): Promise<ByteSource> {
  if (r.source === 'vfs') {
    const handle = await s.vfs.open(r.path, { read: true, write: false });
    return { read: (b, p, n) => handle.read(b, p, n), close: () => handle.release() };
  }
  const content = r.source === 'sidecar' ? (s.store.sidecarContent(r.path) ?? Buffer.alloc(0)) : Buffer.alloc(0);
  return { read: async (b, p, n) => content.copy(b, 0, p, Math.min(content.length, p + n)), close: async () => undefined };
}

/**
 * Streams [from, to) with up to READS_AHEAD reads in flight ahead of the socket, so disk and network
 * reads overlap sending (memory stays at READS_AHEAD × READ_CHUNK per response).
 */
async function pump(res: ServerResponse, source: ByteSource, from: number, to: number): Promise<void> {
  const readAt = async (pos: number): Promise<Buffer> => {
    const want = Math.min(READ_CHUNK, to - pos);
    const buf = Buffer.allocUnsafe(want);
    const n = await source.read(buf, pos, want);
    if (n !== want) throw new Error(`file ended at ${pos + n}, ${to - pos - n} bytes short of its stated size`);
    return buf;
  };
  const queue: Promise<Buffer>[] = [];
  let next = from;
  const fill = () => {
    while (queue.length < READS_AHEAD && next < to) {
      const read = readAt(next);
      // A read still running when we stop must not surface as an unhandled rejection.
      read.catch(() => undefined);
      queue.push(read);
      next += Math.min(READ_CHUNK, to - next);
    }
  };
  try {
    for (fill(); queue.length > 0 && !res.destroyed; fill()) await writeChunk(res, await queue.shift()!);
  } finally {
    await Promise.allSettled(queue);
  }
}

async function listing(r: DavRequest, s: DavServices, withBody: boolean): Promise<void> {
  const entries = (await s.resources.list(r.path)).filter((e) => e.source !== 'sidecar');
  const sort = parseSort(new URL(r.req.url ?? '/', 'http://localhost').searchParams);
  const page = Buffer.from(renderListing(r.path, entries, sort), 'utf8');
  const { res } = r;
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', page.length);
  res.setHeader('Content-Security-Policy', LISTING_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.end(withBody ? page : undefined);
}
