// Streaming multipart upload (docs/pds-wire-protocol.md, Uploads): file/create → PUT the parts to
// their signed URLs → file/complete. Resumes a session from list_uploaded_parts. Never holds more
// than one part in memory per part in flight (and none for file sources).
//
// Rapid upload first: with a known SHA-1 the create carries content_hash; a large file whose SHA-1
// is unknown first sends pre_hash (SHA-1 of its first 1 KiB), and only when the service answers
// PreHashMatched is the whole file hashed for a content_hash create (the JS SDK does so above
// 100 MB). A plain answer to the pre_hash create is an ordinary upload session.
//
// Parallel parts: a source read in any order is declared parallel_upload (every part but the last
// of one size, as the service requires) and its parts go several at once, as many as AdaptiveCount
// finds worth it. A service that refuses parallel upload gets parts in order from then on.
// Retries stay where they are for a single part (PartSender) and for the API calls (http.ts):
// running parts side by side adds none.
import { createHash, type Hash } from 'node:crypto';
import { AdaptiveCount } from './adaptive-count.js';
import type { PdsFile } from './wire-types.js';
import type { UploadSession } from '../core/remote.js';
import type { PdsHttp } from './http.js';
import type { FilesApi } from './api-files.js';
import type { UploadsApi } from './api-uploads.js';
import { sha1Of, verifyStoredHash } from './content-hash.js';
import { PdsError } from './errors.js';
import { throwIfAborted } from './retry.js';
import { DEFAULT_MIN_PART_SIZE, planParts, sourceSha1, type PartPlan } from './upload-source.js';
import { PartUrls } from './upload-part-urls.js';
import { PartSender } from './upload-part.js';
import type { UploadJob, UploadRequest } from './upload-job.js';

export interface UploaderOptions {
  /** Smallest part; default 8 MiB (tests use less). */
  minPartSize?: number;
  /** Socket idle timeout of a part PUT; default 120 s. */
  partTimeoutMs?: number;
  /** Most parts of one file in flight at once; default 8 (1 = in order, no parallel_upload). */
  maxParallelParts?: number;
  /** Files at least this large whose SHA-1 is unknown try rapid upload with pre_hash; default 100 MiB. */
  preHashMinSize?: number;
}

/** pre_hash covers the first 1024 bytes (docs/pds-wire-protocol.md, Uploads). */
const PRE_HASH_BYTES = 1024;

type HashFields = { content_hash?: string; pre_hash?: string };
type CreateAnswer = Awaited<ReturnType<UploadsApi['startUpload']>> & { parallel: boolean };

const DEFAULT_PARALLEL_PARTS = 8;

export class Uploader {
  private readonly parts: PartSender;
  /** The service answered InvalidParameterNotSupported.ParallelUpload: parts go in order. */
  private parallelRefused = false;

  constructor(
    http: PdsHttp,
    private readonly uploads: UploadsApi,
    private readonly files: FilesApi,
    private readonly opts: UploaderOptions = {},
  ) {
    this.parts = new PartSender(http, uploads, opts.partTimeoutMs ?? 120_000);
  }

  /** Uploads and returns the finished file. AlreadyExist.File when the name is taken (and no replaceId). */
  async upload(req: UploadRequest): Promise<PdsFile> {
    const job = (req.resume && (await this.resume(req, req.resume))) || (await this.start(req));
    const file = 'file_id' in job ? job : await this.transfer(job);
    return this.withMtime(pastCommit(req), file);
  }

  /** Sends the missing parts and completes. */
  private async transfer(job: UploadJob): Promise<PdsFile> {
    const { req } = job;
    req.onSession?.(job.session);
    const { partCount } = job.session;
    const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !job.etags.has(n));
    // Parts sent out of order are hashed apart, by reading the source once in order meanwhile.
    const parallel = job.session.parallel === true && req.source.random && missing.length > 1;
    const ownHash = parallel && !req.sha1 && job.hash ? sourceSha1(req.source, req.source.size, req.signal) : undefined;
    ownHash?.catch(() => undefined);
    if (parallel) {
      job.hash = undefined;
      await this.sendParallel(job, missing);
    } else {
      for (const n of missing) {
        throwIfAborted(req.signal);
        job.etags.set(n, await this.sendPart(job, n));
      }
    }
    const file = await this.complete(job);
    // What we sent (when we sent it all) and what the caller announced must both match the server.
    verifyStoredHash(file, { sha1: [ownHash ? await ownHash : job.hash?.digest('hex'), req.sha1] });
    return file;
  }

  private sendPart(job: UploadJob, n: number): Promise<string> {
    const { partSize } = job.session;
    const start = (n - 1) * partSize;
    return this.parts.send(job, n, start, Math.min(start + partSize, job.req.source.size));
  }

  /** Sends `parts` several at once; after a failure no new part starts, and the first error is thrown. */
  private async sendParallel(job: UploadJob, parts: number[]): Promise<void> {
    // A flat 10% bar: a part more costs a little CPU where it does not help (it streams from the
    // staged file), and a bar of half a capped connection's gain lost too much upload speed to noise.
    const count = new AdaptiveCount(this.opts.maxParallelParts ?? DEFAULT_PARALLEL_PARTS, Date.now, () => 0.1);
    const queue = [...parts];
    const running = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    for (;;) {
      while (!failure && queue.length > 0 && running.size < count.current) {
        const n = queue.shift()!;
        const sent = this.sendPart(job, n).then(
          (etag) => {
            job.etags.set(n, etag);
            count.finished(job.session.partSize);
          },
          (err: unknown) => {
            failure ??= { err };
          },
        );
        const tracked = sent.finally(() => running.delete(tracked));
        running.add(tracked);
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
    if (failure) throw failure.err;
  }

  /**
   * Some servers keep local_modified_at (and so perhaps user_meta) only on a new name, not on a new
   * revision or rapid upload: set what is missing then.
   */
  private async withMtime(req: UploadRequest, file: PdsFile): Promise<PdsFile> {
    const mtimeMissing = req.mtime !== undefined && Date.parse(file.local_modified_at ?? '') !== req.mtime;
    const metaMissing = req.userMeta !== undefined && file.user_meta !== req.userMeta;
    if (!mtimeMissing && !metaMissing) return file;
    return this.files.update({
      ...req.scope, file_id: file.file_id,
      ...(mtimeMissing ? { local_modified_at: new Date(req.mtime!).toISOString() } : {}),
      ...(metaMissing ? { user_meta: req.userMeta } : {}),
    }, req.signal);
  }

  /** file/create; rapid upload may finish it right here. */
  private async start(req: UploadRequest): Promise<UploadJob | PdsFile> {
    const plan = planParts(req.source.size, this.opts.minPartSize ?? DEFAULT_MIN_PART_SIZE);
    const parallel = req.source.random && plan.partCount > 1 && (this.opts.maxParallelParts ?? DEFAULT_PARALLEL_PARTS) > 1 && !this.parallelRefused;
    let hashes: HashFields = req.sha1 ? { content_hash: req.sha1.toUpperCase() } : {};
    if (!req.sha1 && req.source.random && req.source.size >= (this.opts.preHashMinSize ?? 100 * 1024 * 1024)) {
      hashes = { pre_hash: await sourceSha1(req.source, PRE_HASH_BYTES, req.signal) };
    }
    let created: CreateAnswer;
    try {
      created = await this.createWithParallelFallback(hashes.content_hash ? commit(req) : req, plan, parallel, hashes);
    } catch (err) {
      if (!PdsError.is(err, 'PreHashMatched')) throw err;
      // The first KiB matches content the service has: the whole SHA-1 may make this a rapid upload.
      req = { ...req, sha1: await sourceSha1(req.source, req.source.size, req.signal) };
      created = await this.createWithParallelFallback(commit(req), plan, parallel, { content_hash: req.sha1! });
    }
    if (created.exist) {
      // Found by a repeat after a lost answer: the rapid upload the lost attempt finished, when the
      // file there has our content (a name with our very bytes is our file, whoever wrote it).
      const own = created.adopted && req.sha1 ? await this.finishedEarlier(pastCommit(req), created.file_id) : undefined;
      if (own) return own;
      throw new PdsError({ status: 409, code: 'AlreadyExist.File', message: `${req.name} already exists` });
    }
    if (created.rapid_upload) return this.files.get({ ...req.scope, file_id: created.file_id });
    if (!created.upload_id) throw new PdsError({ status: 200, code: 'InvalidResponse', message: 'file/create returned no upload_id' });
    const session = { fileId: created.file_id, uploadId: created.upload_id, partSize: plan.partSize, partCount: plan.partCount, ...(created.parallel ? { parallel: true } : {}) };
    const urls = new PartUrls(this.uploads, req.scope, session, req.signal);
    urls.add(created.part_info_list ?? []);
    return { req, session, urls, etags: new Map(), hash: hashOfSent(req), bytesDone: 0, bytesSending: 0 };
  }

  /**
   * A file create is repeated after ambiguous failures too: a lost session is an invisible
   * "uploading" record the service expires, which is harmless.
   */
  private async createWithParallelFallback(req: UploadRequest, plan: PartPlan, parallel: boolean, hashes: HashFields): Promise<CreateAnswer> {
    if (parallel) {
      try {
        return { ...(await this.createWithRetry(req, plan, true, hashes)), parallel: true };
      } catch (err) {
        if (!PdsError.is(err, 'InvalidParameterNotSupported.ParallelUpload')) throw err;
        this.parallelRefused = true;
      }
    }
    return { ...(await this.createWithRetry(req, plan, false, hashes)), parallel: false };
  }

  private async createWithRetry(req: UploadRequest, plan: PartPlan, parallel: boolean, hashes: HashFields): Promise<Awaited<ReturnType<UploadsApi['startUpload']>>> {
    const body = {
      ...req.scope,
      parent_file_id: req.parentId,
      name: req.name,
      type: 'file' as const,
      size: req.source.size,
      part_info_list: Array.from({ length: plan.partCount }, (_, i) => ({ part_number: i + 1 })),
      ...(req.replaceId ? { file_id: req.replaceId } : { check_name_mode: 'refuse' as const }),
      ...hashes,
      ...(hashes.content_hash ? { content_hash_name: 'sha1' } : {}),
      ...(parallel ? { parallel_upload: true } : {}),
      ...(req.mtime !== undefined ? { local_modified_at: new Date(req.mtime).toISOString() } : {}),
      ...(req.userMeta !== undefined ? { user_meta: req.userMeta } : {}),
      ...(req.contentType ? { content_type: req.contentType } : {}),
    };
    return this.uploads.startUpload(body, req.signal);
  }

  /** Continues a session: parts already stored (with the right size) are kept. */
  private async resume(req: UploadRequest, session: UploadSession): Promise<UploadJob | PdsFile | undefined> {
    const expected = planParts(req.source.size, session.partSize);
    if (expected.partSize !== session.partSize || expected.partCount !== session.partCount) return undefined;
    const etags = new Map<number, string>();
    let bytesDone = 0;
    try {
      for await (const p of this.uploads.iterateUploadedParts({ ...req.scope, file_id: session.fileId, upload_id: session.uploadId }, req.signal)) {
        const size = Math.min(session.partSize, req.source.size - (p.part_number - 1) * session.partSize);
        if (p.part_size === size && p.etag) {
          etags.set(p.part_number, p.etag);
          bytesDone += size;
        }
      }
    } catch (err) {
      if (!PdsError.is(err, 'NotFound')) throw err;
      return this.finishedEarlier(req, session.fileId);
    }
    const urls = new PartUrls(this.uploads, req.scope, session, req.signal);
    return { req, session, urls, etags, hash: etags.size === 0 ? hashOfSent(req) : undefined, bytesDone, bytesSending: 0 };
  }

  /**
   * The file an earlier attempt may have finished (its session gone: completed, or expired; or found
   * at our name after a lost answer): ours when it is complete, of our size and content (SHA-1, when known).
   */
  private async finishedEarlier(req: UploadRequest, fileId: string): Promise<PdsFile | undefined> {
    try {
      const f = await this.files.get({ ...req.scope, file_id: fileId }, req.signal);
      const sameContent = req.sha1 ? sha1Of(f) === req.sha1.toUpperCase() : true;
      return f.status === 'available' && f.size === req.source.size && sameContent ? f : undefined;
    } catch (err) {
      if (PdsError.is(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  /** file/complete; a NotFound (a repeat after a lost answer) is fine when our file is there, complete. */
  private async complete(job: UploadJob): Promise<PdsFile> {
    const { session } = job;
    const req = commit(job.req);
    const part_info_list = [...job.etags].sort((a, b) => a[0] - b[0]).map(([part_number, etag]) => ({ part_number, etag }));
    try {
      return await this.uploads.complete({ ...req.scope, file_id: session.fileId, upload_id: session.uploadId, part_info_list });
    } catch (err) {
      const done = PdsError.is(err, 'NotFound') ? await this.finishedEarlier(req, session.fileId) : undefined;
      if (done) return done;
      throw err;
    }
  }
}

/**
 * A running SHA-1 of the bytes sent, checked against what the server stored: only when the caller
 * does not know it already (the server's hash is then checked against the caller's, which covers
 * the same bytes: hashing them again cost the main thread a SHA-1 of every small file uploaded).
 */
function hashOfSent(req: UploadRequest): Hash | undefined {
  return req.sha1 ? undefined : createHash('sha1');
}

/**
 * The request that may make the file on the server (file/complete, or a file/create that can be a
 * rapid upload) and what follows it ignore the caller's abort: the server makes the file whether or
 * not we still listen, so the answer is awaited and the file reported, and whoever cancelled finds it
 * recorded (a rename over it or a delete of it then sees it, instead of the server keeping a file
 * pdsfs forgot). Still bounded: a server gone silent fails the call (http.ts watches every answer).
 */
function commit(req: UploadRequest): UploadRequest {
  throwIfAborted(req.signal);
  return pastCommit(req);
}

/** The request without its abort: the file is made, only the answer and the touch-ups remain. */
function pastCommit(req: UploadRequest): UploadRequest {
  const { signal: _signal, ...rest } = req;
  return rest;
}
