// Sends one part of an upload to its signed URL, with no Content-Type unless the part info names
// one (it is signed). Transient failures are retried by http.ts's one transport loop (a part PUT is
// idempotent); here an expired URL is renewed, and a 409 (part already stored, e.g. after a lost
// answer) takes the stored etag.
import { Readable, Transform } from 'node:stream';
import type { PdsHttp } from './http.js';
import type { UploadsApi } from './api-uploads.js';
import type { UploadJob } from './upload-job.js';
import { pdsErrorFromNetwork } from './errors.js';
import { bodySent } from './body-garbage.js';

export class PartSender {
  constructor(
    private readonly http: PdsHttp,
    private readonly uploads: UploadsApi,
    private readonly timeoutMs: number,
  ) {}

  /**
   * PUTs part n (bytes [start, end)) and returns its etag, through the transport retries of every
   * request (http.ts); a part PUT is idempotent.
   */
  async send(job: UploadJob, n: number, start: number, end: number): Promise<string> {
    const { req } = job;
    let refreshed = false;
    /** The hash as it is with this attempt's bytes, and how many of them were handed to the socket. */
    let attempt: { hash: UploadJob['hash']; sent: number } = { hash: undefined, sent: 0 };
    return this.http.retrying(
      { part: n },
      async () => {
        const info = await job.urls.get(n);
        const source = await req.source.part(start, end);
        const hash = job.hash?.copy();
        attempt = { hash, sent: 0 };
        const onData = (chunk: Buffer): void => {
          hash?.update(chunk);
          attempt.sent += chunk.length;
          bodySent(chunk.length);
          job.bytesSending += chunk.length;
          req.onProgress?.(job.bytesDone + job.bytesSending, req.source.size);
        };
        const body = Buffer.isBuffer(source) ? source : counted(source, onData);
        try {
          if (Buffer.isBuffer(body)) onData(body);
          const res = await this.http.axios.put<Buffer>(info.upload_url ?? '', body, {
            // Signed URL: a Content-Type that was not signed breaks the signature.
            headers: { 'content-type': info.content_type || false, 'content-length': String(end - start) },
            timeout: this.timeoutMs,
            signal: req.signal,
          });
          const answer = this.http.answer(res);
          if (!('ok' in answer)) return answer;
          if (hash) job.hash = hash;
          job.bytesDone += end - start;
          return { ok: String(res.headers.etag ?? '') };
        } catch (e) {
          return { failed: pdsErrorFromNetwork(e) };
        } finally {
          job.bytesSending -= attempt.sent;
          if (source instanceof Readable) source.destroy();
          if (body instanceof Readable) body.destroy();
        }
      },
      {
        idempotent: true,
        ...(req.signal ? { signal: req.signal } : {}),
        recover: async (err) => {
          if (err.status === 409) {
            // The part is already stored (a retry after a partly accepted body): take the stored etag.
            const stored = await this.storedPart(job, n, end - start);
            if (stored === undefined) return 'retry';
            if (job.hash) job.hash = attempt.sent === end - start ? attempt.hash : undefined;
            job.bytesDone += end - start;
            return { ok: stored };
          }
          if (err.status === 403 && !refreshed) {
            // The signed URL expired: a new one, at once.
            refreshed = true;
            job.urls.invalidate();
            return 'again';
          }
          return undefined;
        },
      },
    );
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
