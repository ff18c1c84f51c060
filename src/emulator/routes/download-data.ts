// GET/HEAD <download_url>: serves a blob with a single byte range (206), 416 when the range is
// unsatisfiable, Accept-Ranges, exact Content-Length and an ETag. A small blob's bytes come from
// SQLite whole; a file streams from disk into a few pooled buffers, each reused once the socket
// took its bytes: a read stream allocated a fresh 1 MiB buffer per read, and a GET of 4 MiB cost
// the server 3-4 times the page faults per byte of a long one (fresh pages after the allocator gave
// the last ones back), half again its CPU.
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeChunk } from '../../shared/backpressure.js';
import type { EmulatorContext } from '../context.js';
import { OssError } from '../errors.js';
import type { StoredBlob } from '../store/blobs.js';
import type { ConnectionThrottle } from '../throttle.js';

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

/** Size of the reads from a blob, and of the buffers they go into. */
const READ_BYTES = 1024 * 1024;
/** Read buffers kept for reuse, all transfers together. */
const MAX_SPARE = 8;
const spare: Buffer[] = [];

/** `throttle` paces the body at the connection's bandwidth (when it has a limit). */
export async function handleBlobRead(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, url: URL, throttle: ConnectionThrottle, cut: TransferCut): Promise<void> {
  ctx.signer.verify('GET', url);
  const m = /^\/data\/blob\/([0-9A-F]{40})$/.exec(url.pathname);
  const noSuchKey = new OssError(404, 'NoSuchKey', 'The specified key does not exist.');
  if (!m) throw noSuchKey;
  const blob = await ctx.blobs.find(m[1] as string);
  if (!blob) throw noSuchKey;
  const size = blob.size;
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
    'last-modified': blob.mtime.toUTCString(),
    'x-oss-request-id': String(res.getHeader('x-ca-request-id')),
    'x-oss-hash-sha1': m[1] as string,
  };
  const disposition = url.searchParams.get('response-content-disposition');
  if (disposition) headers['content-disposition'] = disposition;
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  // Nothing is served that a crash could still undo (a blob placed by a request not yet answered).
  await ctx.sql.committed();
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || length === 0) {
    if (cut === 'drop') res.socket?.destroy();
    else res.end();
    return;
  }
  // A cut transfer sends half of the bytes it promised, then the connection dies or goes silent.
  const last = cut ? start + Math.floor(length / 2) - 1 : end;
  // A client that goes away ends the transfer; that is not a server error.
  if (last >= start && !(await sendBytes(ctx, blob, start, last, req, res, throttle))) return;
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

/** Writes bytes [start, last] of `blob` to `res`, paced by `throttle`; false when the client went away first. */
async function sendBytes(ctx: EmulatorContext, blob: StoredBlob, start: number, last: number, req: IncomingMessage, res: ServerResponse, throttle: ConnectionThrottle): Promise<boolean> {
  if ('data' in blob) {
    ctx.stats.bytesDownloaded += last - start + 1;
    return sendPaced(blob.data.subarray(start, last + 1), req, res, throttle);
  }
  const fh = await fs.open(blob.file, 'r');
  try {
    for (let pos = start; pos <= last; ) {
      const buf = spare.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES);
      const { bytesRead } = await fh.read(buf, 0, Math.min(READ_BYTES, last - pos + 1), pos);
      if (bytesRead === 0) throw new Error(`blob ${blob.file} ends at ${pos}, before ${last + 1}`);
      pos += bytesRead;
      ctx.stats.bytesDownloaded += bytesRead;
      // The buffer is read into again only once the socket took its last slice.
      if (!(await sendPaced(buf.subarray(0, bytesRead), req, res, throttle, () => spare.length < MAX_SPARE && spare.push(buf)))) return false;
    }
    return true;
  } finally {
    await fh.close();
  }
}

/** Writes `data` in the slices `throttle` paces; `onSent` runs once the socket took the last. False when the client went away first. */
async function sendPaced(data: Buffer, req: IncomingMessage, res: ServerResponse, throttle: ConnectionThrottle, onSent?: () => unknown): Promise<boolean> {
  const slices = throttle.slices(data);
  for (let i = 0; i < slices.length; i++) {
    await throttle.pass(req.socket, slices[i]!.length);
    if (res.destroyed) return false;
    if (!(await writeChunk(res, slices[i]!, i === slices.length - 1 ? onSent : undefined))) return false;
  }
  return true;
}

