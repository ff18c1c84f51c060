// Streaming multipart upload (docs/pds-wire-protocol.md, Uploads): rapid upload first when the SHA-1 is known, then
// file/create → PUT each part in order to its signed URL → file/complete. Resumes a session from
// list_uploaded_parts. Never holds more than one part in memory (and none for file sources).
import { createHash } from 'node:crypto';
import type { PdsFile } from './wire-types.js';
import type { UploadSession } from '../core/remote.js';
import type { PdsHttp } from './http.js';
import type { FilesApi } from './api-files.js';
import type { UploadsApi } from './api-uploads.js';
import { sha1Of, verifyStoredHash } from './content-hash.js';
import { PdsError } from './errors.js';
import { throwIfAborted } from './retry.js';
import { DEFAULT_MIN_PART_SIZE, planParts, type PartPlan } from './upload-source.js';
import { PartUrls } from './upload-part-urls.js';
import { PartSender } from './upload-part.js';
import type { UploadJob, UploadRequest } from './upload-job.js';

export interface UploaderOptions {
  /** Smallest part; default 8 MiB (tests use less). */
  minPartSize?: number;
  /** Socket idle timeout of a part PUT; default 120 s. */
  partTimeoutMs?: number;
}

export class Uploader {
  private readonly parts: PartSender;

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
    return this.withMtime(req, file);
  }

  /** Sends the missing parts and completes. */
  private async transfer(job: UploadJob): Promise<PdsFile> {
    const { req } = job;
    req.onSession?.(job.session);
    const { partSize, partCount } = job.session;
    for (let n = 1; n <= partCount; n++) {
      throwIfAborted(req.signal);
      if (job.etags.has(n)) continue;
      const start = (n - 1) * partSize;
      job.etags.set(n, await this.parts.send(job, n, start, Math.min(start + partSize, req.source.size)));
    }
    const file = await this.complete(job);
    // What we streamed (when we streamed it all) and what the caller announced must both match the server.
    verifyStoredHash(file, { sha1: [job.hash?.digest('hex'), req.sha1] });
    return file;
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
    const created = await this.createWithRetry(req, plan);
    if (created.exist) throw new PdsError({ status: 409, code: 'AlreadyExist.File', message: `${req.name} already exists` });
    if (created.rapid_upload) return this.files.get({ ...req.scope, file_id: created.file_id }, req.signal);
    if (!created.upload_id) throw new PdsError({ status: 200, code: 'InvalidResponse', message: 'file/create returned no upload_id' });
    const session = { fileId: created.file_id, uploadId: created.upload_id, partSize: plan.partSize, partCount: plan.partCount };
    const urls = new PartUrls(this.uploads, req.scope, session, req.signal);
    urls.add(created.part_info_list ?? []);
    return { req, session, urls, etags: new Map(), hash: createHash('sha1'), bytesDone: 0 };
  }

  /**
   * A file create is repeated after ambiguous failures too: a lost session is an invisible
   * "uploading" record the service expires, which is harmless.
   */
  private async createWithRetry(req: UploadRequest, plan: PartPlan): Promise<Awaited<ReturnType<UploadsApi['create']>>> {
    const body = {
      ...req.scope,
      parent_file_id: req.parentId,
      name: req.name,
      type: 'file' as const,
      size: req.source.size,
      part_info_list: Array.from({ length: plan.partCount }, (_, i) => ({ part_number: i + 1 })),
      ...(req.replaceId ? { file_id: req.replaceId } : { check_name_mode: 'refuse' as const }),
      ...(req.sha1 ? { content_hash: req.sha1.toUpperCase(), content_hash_name: 'sha1' } : {}),
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
    return { req, session, urls, etags, hash: etags.size === 0 ? createHash('sha1') : undefined, bytesDone };
  }

  /** The session is gone: it was completed (our file is there) or it expired (start over). */
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
    const { req, session } = job;
    const part_info_list = [...job.etags].sort((a, b) => a[0] - b[0]).map(([part_number, etag]) => ({ part_number, etag }));
    try {
      return await this.uploads.complete({ ...req.scope, file_id: session.fileId, upload_id: session.uploadId, part_info_list }, req.signal);
    } catch (err) {
      const done = PdsError.is(err, 'NotFound') ? await this.finishedEarlier(req, session.fileId) : undefined;
      if (done) return done;
      throw err;
    }
  }
}
