// Streaming ranged download through signed URLs (docs/pds-wire-protocol.md, Downloads). The URL is cached per
// (volume, file, revision) and renewed shortly before `expiration` or when the object store answers
// 403 (expired); URLs that listings carry seed the cache, so opening a listed file costs no extra
// call. A dropped connection resumes from the bytes already delivered, so the consumer sees exactly
// bytes [start, end] once, in order. A long range runs as several GETs at once (parallel-range.ts).
import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import type { PdsHttp } from './http.js';
import type { FilesApi, Scope } from './api-files.js';
import { PdsError, pdsErrorFromNetwork, pdsErrorFromResponse } from './errors.js';
import { throwIfAborted } from './retry.js';
import { ByteBudget, parallelRange } from './parallel-range.js';
import { bodyReceived } from './body-garbage.js';
import { PooledReadAgent } from './pooled-read-agent.js';
import { keepAliveAgentOptions } from './axios-instance.js';

export interface DownloadTarget {
  scope: Scope;
  fileId: string;
  /** Revision the caller expects; a 40-hex content hash is checked against the server's. */
  revision: string;
  /** An earlier content of the file (file/revision/list), instead of the current one. */
  revisionId?: string;
}

export interface DownloaderOptions {
  /** Lifetime asked for new URLs; default 900 s. */
  urlExpireSec?: number;
  /** A stalled transfer (no byte for this long) is dropped and resumed; default 60 s. */
  idleTimeoutMs?: number;
  /** Cached URLs; default 1000. */
  maxCachedUrls?: number;
  /** Most ranged GETs one long range runs at once; default 8 (1 = one stream). */
  maxStreams?: number;
  /** Size of the segments a long range is cut into; default 4 MiB. */
  segmentBytes?: number;
  /** Bytes that segments fetched ahead of their readers may hold, all downloads together; default 32 MiB. */
  aheadBytes?: number;
  /** A stream faster than this (bytes per second) gets no other beside it, and longer segments; default 64 MiB/s. */
  uncappedRate?: number;
}

export const DEFAULT_MAX_STREAMS = 8;
const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;
/**
 * Four times the 16 MiB/s per connection of the wan profile, above what providers let one
 * connection have, while a loopback or LAN stream runs at hundreds of MiB/s, where another only costs CPU.
 */
const DEFAULT_UNCAPPED_RATE = 64 * 1024 * 1024;

interface SignedUrl {
  url: string;
  renewAt: number;
}

/** The response body (an http.IncomingMessage): `complete` once its last byte arrived. */
type StreamBody = Readable & { destroy(err?: Error): void; complete?: boolean };

/**
 * An answer's body, read chunk by chunk. A stalled body (no byte for idleMs) is destroyed, which
 * fails the wait. The timer counts only while we wait for the server, not while the consumer holds
 * a chunk; one timer per body, re-armed per chunk (refresh) instead of a new one per 64 KiB chunk.
 */
class OpenedBody {
  private readonly it: AsyncIterator<Buffer>;
  private waiting = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly stream: StreamBody,
    /** Offset of the first byte the stream will deliver. */
    readonly offset: number,
    idleMs: number,
  ) {
    this.it = stream[Symbol.asyncIterator]();
    this.timer = setTimeout(() => {
      if (this.waiting) stream.destroy(new PdsError({ status: 0, code: 'ETIMEDOUT', message: 'download stalled' }));
    }, idleMs);
  }

  /** The next chunk, undefined at the end. */
  async next(): Promise<Buffer | undefined> {
    this.waiting = true;
    this.timer.refresh();
    try {
      const step = await this.it.next();
      if (step.done) return undefined;
      bodyReceived(step.value.length);
      return step.value;
    } finally {
      this.waiting = false;
    }
  }

  destroy(): void {
    clearTimeout(this.timer);
    this.stream.destroy();
  }
}

export class Downloader {
  private readonly urls: LRUCache<string, SignedUrl>;
  private readonly inflight = new Map<string, Promise<SignedUrl>>();
  private readonly idleTimeoutMs: number;
  private readonly segmentBytes: number;
  private readonly maxStreams: number;
  private readonly ahead: ByteBudget;
  /**
   * Plain-HTTP downloads (a local server) go through sockets that reuse their read buffer; HTTPS
   * ones through the client's agent. Keep-alive and connections as the client's agents have them.
   */
  private readonly httpAgent: PooledReadAgent;

  constructor(private readonly http: PdsHttp, private readonly files: FilesApi, private readonly opts: DownloaderOptions = {}) {
    this.httpAgent = new PooledReadAgent(keepAliveAgentOptions(http.maxSockets));
    this.urls = new LRUCache({ max: opts.maxCachedUrls ?? 1000 });
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.maxStreams = Math.max(1, opts.maxStreams ?? DEFAULT_MAX_STREAMS);
    this.ahead = new ByteBudget(opts.aheadBytes ?? 32 * 1024 * 1024);
  }

  /** Closes the keep-alive sockets of plain-HTTP downloads. */
  close(): void {
    this.httpAgent.destroy();
  }

  /** Lifetime asked for new URLs, in seconds (listings ask for the same). */
  get urlExpireSec(): number {
    return this.opts.urlExpireSec ?? 900;
  }

  /** A URL that came with a listing or file/get, issued just now for `ttlSec`; a cached one is kept. */
  remember(target: DownloadTarget, url: string, ttlSec: number): void {
    const key = urlKey(target);
    if (this.urls.has(key)) return;
    this.urls.set(key, renewal(url, Date.now() + ttlSec * 1000));
  }

  /** Bytes held by segments fetched ahead of their readers (for tests and status). */
  get aheadBytesInUse(): number {
    return this.ahead.inUse;
  }

  /**
   * Bytes [start, endInclusive], chunk by chunk, in order. Resolves once the first answer arrived, so
   * missing files and denied access reject here; later failures (after retries) are thrown by the
   * iteration. Ending it early (return(), or leaving a for-await loop) ends every GET. No stream
   * sits between the socket and the consumer: each chunk is the HTTP body's own.
   */
  async openRange(target: DownloadTarget, start: number, endInclusive: number, signal?: AbortSignal): Promise<AsyncGenerator<Buffer>> {
    if (endInclusive < start) return nothing();
    if (this.maxStreams > 1 && endInclusive - start + 1 > this.segmentBytes) {
      const opts = { segmentBytes: this.segmentBytes, maxStreams: this.maxStreams, budget: this.ahead, uncappedRate: this.opts.uncappedRate ?? DEFAULT_UNCAPPED_RATE };
      const open = async (s: number, e: number, sig: AbortSignal) => this.deliver(target, await this.request(target, s, e, sig), s, e, sig);
      return parallelRange(open, start, endInclusive, opts, signal);
    }
    return this.deliver(target, await this.request(target, start, endInclusive, signal), start, endInclusive, signal);
  }

  private async *deliver(target: DownloadTarget, first: OpenedBody, start: number, end: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
    let body = first;
    let pos = start;
    // Failures in a row without a byte of progress, whether the body broke off or a new request
    // failed: one budget for both, so retries never nest.
    const failures = { count: 0 };
    try {
      for (;;) {
        try {
          let skip = pos - body.offset;
          if (skip < 0) throw new PdsError({ status: 206, code: 'InvalidResponse', message: `asked for byte ${pos}, got ${body.offset}` });
          for (let raw = await body.next(); raw; raw = await body.next()) {
            let chunk = raw;
            if (skip > 0) {
              const n = Math.min(skip, chunk.length);
              chunk = chunk.subarray(n);
              skip -= n;
            }
            if (chunk.length > end - pos + 1) chunk = chunk.subarray(0, end - pos + 1);
            if (chunk.length === 0) continue;
            pos += chunk.length;
            failures.count = 0;
            yield chunk;
            // A body read to its end leaves its keep-alive connection to the next GET; one cut short
            // (destroyed in finally) takes the connection with it, and every segment paid a new one.
            if (pos > end && !body.stream.complete) return;
          }
          if (pos > end) return;
          throw new PdsError({ status: 0, code: 'ECONNRESET', message: 'download ended early' });
        } catch (e) {
          body.destroy();
          throwIfAborted(signal);
          // Resumed from `pos` by a new request, after the backoff this failure calls for.
          body = await this.request(target, pos, end, signal, failures, pdsErrorFromNetwork(e));
        }
      }
    } finally {
      body.destroy();
    }
  }

  /**
   * One ranged GET, through the transport retries of every request (http.ts): failures counted in
   * `failures`, `after` the failure of the body it resumes; a 403 renews the URL once.
   */
  private request(target: DownloadTarget, pos: number, end: number, signal?: AbortSignal, failures = { count: 0 }, after?: PdsError): Promise<OpenedBody> {
    let renewed = false;
    return this.http.retrying<OpenedBody>(
      { fileId: target.fileId, pos },
      async () => {
        throwIfAborted(signal);
        const signed = await this.signedUrl(target, signal);
        // Bounds the wait for the answer's headers only; the body has its own idle timer.
        const headersTimeout = new AbortController();
        const timer = setTimeout(() => headersTimeout.abort(), this.idleTimeoutMs);
        try {
          const res = await this.http.axios.get<StreamBody>(signed.url, {
            headers: { range: `bytes=${pos}-${end}`, 'accept-encoding': 'identity' },
            responseType: 'stream',
            decompress: false,
            // -1: the raw response stream. With a limit, axios wraps it in an async generator that
            // cannot be destroyed while it waits for the server, so a stalled body was never timed out.
            maxContentLength: -1,
            httpAgent: this.httpAgent,
            signal: signal ? AbortSignal.any([signal, headersTimeout.signal]) : headersTimeout.signal,
          });
          clearTimeout(timer);
          this.http.answered();
          if (res.status === 206) return { ok: new OpenedBody(res.data, contentRangeStart(res.headers['content-range']) ?? pos, this.idleTimeoutMs) };
          if (res.status === 200) return { ok: new OpenedBody(res.data, 0, this.idleTimeoutMs) };
          return { failed: pdsErrorFromResponse(res.status, res.headers as Record<string, unknown>, await readSmall(res.data)) };
        } catch (e) {
          clearTimeout(timer);
          return { failed: headersTimeout.signal.aborted ? new PdsError({ status: 0, code: 'ETIMEDOUT', message: 'no answer from download URL' }) : pdsErrorFromNetwork(e) };
        }
      },
      {
        idempotent: true,
        failures,
        ...(signal ? { signal } : {}),
        ...(after ? { after } : {}),
        recover: async (err) => {
          if (err.status !== 403 || renewed) return undefined;
          // The signed URL expired: a new one, at once.
          renewed = true;
          this.urls.delete(urlKey(target));
          return 'again';
        },
      },
    );
  }

  private async signedUrl(target: DownloadTarget, signal?: AbortSignal): Promise<SignedUrl> {
    const key = urlKey(target);
    const cached = this.urls.get(key);
    if (cached && Date.now() < cached.renewAt) return cached;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchUrl(target, signal).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const fresh = await p;
    this.urls.set(key, fresh);
    return fresh;
  }

  private async fetchUrl(target: DownloadTarget, signal?: AbortSignal): Promise<SignedUrl> {
    const r = await this.files.getDownloadUrl({ ...target.scope, file_id: target.fileId, expire_sec: this.opts.urlExpireSec ?? 900, ...(target.revisionId ? { revision_id: target.revisionId } : {}) }, signal);
    if (/^[0-9a-f]{40}$/i.test(target.revision) && r.content_hash && r.content_hash.toUpperCase() !== target.revision.toUpperCase()) {
      throw new PdsError({ status: 412, code: 'RevisionChanged', message: `file ${target.fileId} changed remotely (now ${r.content_hash})` });
    }
    return renewal(r.url, Date.parse(r.expiration) || Date.now());
  }
}

/** An empty range. */
async function* nothing(): AsyncGenerator<Buffer> {}

/** Renewed a minute (at most a fifth of its lifetime) before it expires. */
function renewal(url: string, expiresAt: number): SignedUrl {
  const now = Date.now();
  const lifetime = Math.max(0, expiresAt - now);
  return { url, renewAt: now + lifetime - Math.min(60_000, lifetime * 0.2) };
}

function urlKey(t: DownloadTarget): string {
  const volume = t.scope.share_id !== undefined ? `s:${t.scope.share_id}` : `d:${t.scope.drive_id}`;
  return `${volume}:${t.fileId}:${t.revisionId ?? ''}:${t.revision}`;
}

function contentRangeStart(header: unknown): number | undefined {
  const m = /^bytes (\d+)-/.exec(String(header ?? ''));
  return m ? Number(m[1]) : undefined;
}

/** An error body, read up to 64 KiB. */
async function readSmall(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
    if (size > 65536) break;
  }
  stream.destroy();
  return Buffer.concat(chunks);
}
