// GET/HEAD <download_url>: serves a blob with a single byte range (206), 416 when the range is
// unsatisfiable, Accept-Ranges, exact Content-Length and an ETag. Streams from disk.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EmulatorContext } from '../context.js';
import { OssError } from '../errors.js';

type Range = { start: number; end: number } | 'unsatisfiable' | undefined;

/** A single `bytes=` range; multi-range or malformed headers are ignored (whole body), as OSS does. */
export function parseRange(header: string | undefined, size: number): Range {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** How an injected fault cuts a transfer: 'drop' closes the connection, 'stall' holds it open, silent. */
export type TransferCut = 'drop' | 'stall' | undefined;

/** A stalled transfer is closed after this long if the client never gives up. */
const STALL_MAX_MS = 10 * 60_000;

/** `pace` passes the body at the connection's bandwidth (a plain pass-through when unshaped). */
export async function handleBlobRead(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, url: URL, pace: Transform, cut: TransferCut): Promise<void> {
  ctx.signer.verify('GET', url);
  const m = /^\/data\/blob\/([0-9A-F]{40})$/.exec(url.pathname);
  const noSuchKey = new OssError(404, 'NoSuchKey', 'The specified key does not exist.');
  if (!m) throw noSuchKey;
  const file = ctx.blobs.blobPath(m[1] as string);
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat) throw noSuchKey;
  const size = stat.size;
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    throw new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied.', { 'content-range': `bytes */${size}` });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = end - start + 1;
  const headers: Record<string, string | number> = {
    'accept-ranges': 'bytes',
    'content-length': length,
    'content-type': url.searchParams.get('response-content-type') ?? 'application/octet-stream',
    etag: `"${m[1]}"`,
    'last-modified': stat.mtime.toUTCString(),
    'x-oss-request-id': String(res.getHeader('x-ca-request-id')),
    'x-oss-hash-sha1': m[1] as string,
  };
  const disposition = url.searchParams.get('response-content-disposition');
  if (disposition) headers['content-disposition'] = disposition;
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || length === 0) {
    if (cut === 'drop') res.socket?.destroy();
    else res.end();
    return;
  }
  // A cut transfer sends half of the bytes it promised, then the connection dies or goes silent.
  const last = cut ? start + Math.floor(length / 2) - 1 : end;
  if (last >= start) {
    const source = createReadStream(file, { start, end: last, highWaterMark: 1024 * 1024 });
    source.on('data', (chunk) => (ctx.stats.bytesDownloaded += chunk.length));
    // A client that goes away ends the transfer; that is not a server error.
    const completed = await pipeline(source, pace, res, { end: false }).then(() => true, () => false);
    if (!completed || res.destroyed) return;
  }
  if (cut) {
    // Let the bytes already written reach the client, so it sees a body cut short.
    await new Promise<void>((resolve) => res.write(Buffer.alloc(0), () => resolve()));
    if (cut === 'stall') {
      const timer = setTimeout(() => res.socket?.destroy(), STALL_MAX_MS);
      timer.unref();
      if (!res.closed) await new Promise((resolve) => res.once('close', resolve));
      clearTimeout(timer);
    }
    res.socket?.destroy();
  } else {
    res.end();
  }
}
