// file/create, get_upload_url, list_uploaded_parts, complete (docs/pds-wire-protocol.md, Uploads). upload.ts drives them.
import type { CreateFileRequest, CreateFileResponse, GetUploadUrlResponse, ListUploadedPartsResponse, PdsFile } from './wire-types.js';
import type { PdsHttp } from './http.js';
import { scopeAuth, type Scope } from './api-files.js';
import { retryAmbiguous } from './ambiguous-retry.js';

export type GetUploadUrlRequest = Scope & { file_id: string; upload_id: string; part_info_list: { part_number: number }[] };

export type ListUploadedPartsRequest = Scope & { file_id: string; upload_id: string; limit?: number; part_number_marker?: number | string };

export type CompleteFileRequest = Scope & { file_id: string; upload_id: string; part_info_list?: { part_number: number; etag: string }[] };

export type UploadedPart = ListUploadedPartsResponse['uploaded_parts'][number];

export class UploadsApi {
  constructor(private readonly http: PdsHttp) {}

  /**
   * Creates a folder or starts a file upload. Retried only when surely unsent: a repeated create
   * could turn our own folder into an "exist" answer.
   */
  create(req: CreateFileRequest, signal?: AbortSignal): Promise<CreateFileResponse> {
    return this.http.call('/v2/file/create', req, { auth: scopeAuth(req), signal });
  }

  /**
   * Starts a file upload, repeated after a lost answer too: a session started by the lost attempt
   * is simply never used (the server drops unfinished sessions). A rapid upload the lost attempt
   * finished makes the repeat find the name taken: `adopted` then says the file there may be ours
   * (upload.ts checks its content).
   */
  startUpload(req: CreateFileRequest & { type: 'file' }, signal?: AbortSignal): Promise<CreateFileResponse & { adopted: boolean }> {
    return this.createRepeated(req, signal);
  }

  /**
   * Creates a folder (check_name_mode refuse), also retrying ambiguous failures (5xx, reset,
   * timeout): the first request may have created the folder before its answer was lost, so when a
   * retry finds the name taken, `adopted` says the existing entry may be ours (callers check it is
   * a folder). Without a lost answer, `exist` is reported as the server gave it.
   */
  createFolder(req: CreateFileRequest & { type: 'folder' }, signal?: AbortSignal): Promise<CreateFileResponse & { adopted: boolean }> {
    return this.createRepeated(req, signal);
  }

  /** file/create, repeated after lost answers; `adopted`: a repeat found the name taken. */
  private createRepeated(req: CreateFileRequest, signal?: AbortSignal): Promise<CreateFileResponse & { adopted: boolean }> {
    return retryAmbiguous(this.http.retry, async (ambiguous) => {
      const r = await this.create(req, signal);
      return { ...r, adopted: ambiguous && !!r.exist };
    }, signal);
  }

  getUploadUrl(req: GetUploadUrlRequest, signal?: AbortSignal): Promise<GetUploadUrlResponse> {
    return this.http.call('/v2/file/get_upload_url', req, { auth: scopeAuth(req), idempotent: true, signal });
  }

  listUploadedParts(req: ListUploadedPartsRequest, signal?: AbortSignal): Promise<ListUploadedPartsResponse> {
    return this.http.call('/v2/file/list_uploaded_parts', req, { auth: scopeAuth(req), idempotent: true, signal });
  }

  /** Every uploaded part, following next_part_number_marker. */
  async *iterateUploadedParts(req: Omit<ListUploadedPartsRequest, 'part_number_marker'>, signal?: AbortSignal): AsyncGenerator<UploadedPart> {
    let marker: number | string | undefined;
    do {
      const page = await this.listUploadedParts({ ...req, ...(marker ? { part_number_marker: marker } : {}) } as ListUploadedPartsRequest, signal);
      yield* page.uploaded_parts ?? [];
      marker = page.next_part_number_marker || undefined;
    } while (marker !== undefined);
  }

  /**
   * Repeated after a lost answer too: a repeat of a complete that went through answers
   * NotFound.UploadId, which upload.ts checks against the file.
   */
  complete(req: CompleteFileRequest, signal?: AbortSignal): Promise<PdsFile> {
    return this.http.call('/v2/file/complete', req, { auth: scopeAuth(req), idempotent: true, signal });
  }
}
