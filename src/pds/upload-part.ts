// Sends one part of an upload to its signed URL, with no Content-Type unless the part info names
// one (it is signed). Transient failures are retried (a part PUT is idempotent), an expired URL is
// renewed, and a 409 (part already stored, e.g. after a lost answer) takes the stored etag.
import { Readable, Transform } from 'node:stream';
import type { PdsHttp } from './http.js';
import type { UploadsApi } from './api-uploads.js';
import type { UploadJob } from './upload-job.js';
import { PdsError, pdsErrorFromNetwork, pdsErrorFromResponse } from './errors.js';
import { retryDelay, shouldRetry, sleep, throwIfAborted } from './retry.js';

export class PartSender {
  constructor(
    private readonly http: PdsHttp,
    private readonly uploads: UploadsApi,
    private readonly timeoutMs: number,
  ) {}

  /** PUTs part n (bytes [start, end)) and returns its etag. */
  async send(job: UploadJob, n: number, start: number, end: number): Promise<string> {
    const { req } = job;
    let refreshed = false;
    for (let attempt = 0; ; ) {
      this.http.throwIfOffline();
      const info = await job.urls.get(n);
      const source = await req.source.part(start, end);
      const hash = job.hash?.copy();
      let sentInPart = 0;
      const onData = (chunk: Buffer): void => {
        hash?.update(chunk);
        sentInPart += chunk.length;
        job.bytesSending += chunk.length;
        req.onProgress?.(job.bytesDone + job.bytesSending, req.source.size);
      };
      const body = Buffer.isBuffer(source) ? source : counted(source, onData);
      let err: PdsError;
      try {
        if (Buffer.isBuffer(body)) onData(body);
        const res = await this.http.axios.put<string>(info.upload_url ?? '', body, {
          // Signed URL: a Content-Type that was not signed breaks the signature.
          headers: { 'content-type': info.content_type || false, 'content-length': String(end - start) },
          timeout: this.timeoutMs,
          responseType: 'text',
          transformResponse: (x: unknown) => x,
          signal: req.signal,
        });
        this.http.answered();
        if (res.status >= 200 && res.status < 300) {
          if (hash) job.hash = hash;
          job.bytesDone += end - start;
          return String(res.headers.etag ?? '');
        }
        err = pdsErrorFromResponse(res.status, res.headers as Record<string, unknown>, res.data);
      } catch (e) {
        err = pdsErrorFromNetwork(e);
      } finally {
        job.bytesSending -= sentInPart;
        if (source instanceof Readable) source.destroy();
        if (body instanceof Readable) body.destroy();
      }
      throwIfAborted(req.signal);
      const down = err.status === 0 ? await this.http.transportFailed(err) : undefined;
      if (down) throw down;
      if (err.status === 409) {
        // The part is already stored (a retry after a partly accepted body): take the stored etag.
        const stored = await this.storedPart(job, n, end - start);
        if (stored !== undefined) {
          if (hash) job.hash = sentInPart === end - start ? hash : undefined;
          job.bytesDone += end - start;
          return stored;
        }
      } else if (err.status === 403 && !refreshed) {
        refreshed = true;
        job.urls.invalidate();
        continue;
      } else if (!shouldRetry(err, true)) {
        throw err;
      }
      if (attempt + 1 >= this.http.retry.maxAttempts) throw err;
      this.http.logger.warn({ code: err.code, status: err.status, part: n, attempt }, 'part upload failed, retrying');
      await sleep(retryDelay(err, attempt++, this.http.retry), req.signal);
    }
  }

  private async storedPart(job: UploadJob, n: number, size: number): Promise<string | undefined> {
    const { req, session } = job;
    for await (const p of this.uploads.iterateUploadedParts({ ...req.scope, file_id: session.fileId, upload_id: session.uploadId }, req.signal)) {
      if (p.part_number === n) return p.part_size === size && p.etag ? p.etag : undefined;
    }
    return undefined;
  }
}

/** Passes a part's bytes through, reporting each chunk as it is handed to the socket. */
function counted(source: Readable, onChunk: (chunk: Buffer) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onChunk(chunk);
      done(null, chunk);
    },
  });
  source.on('error', (err) => counter.destroy(err));
  return source.pipe(counter);
}
