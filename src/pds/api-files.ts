// file/list, get, get_by_path, search, update, move, copy, delete, get_download_url (docs/pds-wire-protocol.md).
// Requests carry drive_id, or share_id for share-link access (then x-share-token is sent).
import type { AsyncResult, CheckNameMode, DownloadUrlResponse, FileStatus, FileType, Paged, PdsFile } from './wire-types.js';
import type { CallAuth, PdsHttp } from './http.js';
import { paginate, pagesOf } from './paging.js';
import type { EntryPage } from './answer-shapes.js';
import { removeOnce, retryAmbiguous } from './ambiguous-retry.js';

/** Which volume a request addresses: a drive (bearer) or a share link (x-share-token). */
export type Scope = { drive_id: string; share_id?: undefined } | { share_id: string; drive_id?: undefined };

export function scopeAuth(scope: { share_id?: string | undefined }): CallAuth {
  return scope.share_id ? { shareId: scope.share_id } : 'bearer';
}

export type ListFileRequest = Scope & {
  parent_file_id: string;
  limit?: number;
  marker?: string;
  status?: FileStatus;
  order_by?: 'created_at' | 'updated_at' | 'size' | 'name';
  order_direction?: 'ASC' | 'DESC';
  category?: string;
  type?: FileType;
  fields?: string;
  url_expire_sec?: number;
};

export type GetFileRequest = Scope & { file_id: string; fields?: string; url_expire_sec?: number; revision_id?: string };

/** file/get_by_path: drive_id and a path of names from the drive's root ("/a/b/c"). */
export interface GetFileByPathRequest {
  drive_id: string;
  file_path: string;
  url_expire_sec?: number;
}

export interface SearchFileRequest {
  drive_id?: string;
  drive_id_list?: string[];
  query: string;
  order_by?: string;
  limit?: number;
  marker?: string;
  return_total_count?: boolean;
}

export type UpdateFileRequest = Scope & {
  file_id: string;
  name?: string;
  check_name_mode?: CheckNameMode;
  description?: string;
  labels?: string[];
  hidden?: boolean;
  starred?: boolean;
  local_modified_at?: string;
  user_meta?: string;
};

export interface MoveFileRequest {
  drive_id: string;
  file_id: string;
  to_parent_file_id: string;
  check_name_mode?: CheckNameMode;
  new_name?: string;
  to_drive_id?: string;
}

export type CopyFileRequest = Scope & {
  file_id: string;
  to_parent_file_id: string;
  to_drive_id?: string;
  new_name?: string;
  auto_rename?: boolean;
};

export interface DeleteFileRequest {
  drive_id: string;
  file_id: string;
  permanently?: boolean;
}

export type GetDownloadUrlRequest = Scope & {
  file_id: string;
  file_name?: string;
  expire_sec?: number;
  revision_id?: string;
  response_content_type?: string;
};

export class FilesApi {
  constructor(private readonly http: PdsHttp) {}

  list(req: ListFileRequest, signal?: AbortSignal): Promise<Paged<PdsFile>> {
    return this.http.call('/v2/file/list', req, { auth: scopeAuth(req), idempotent: true, signal });
  }

  /** Every entry of a folder, one at a time. */
  iterate(req: Omit<ListFileRequest, 'marker'>, signal?: AbortSignal): AsyncGenerator<PdsFile> {
    return paginate((marker) => this.list({ ...req, marker } as ListFileRequest, signal), signal);
  }

  /**
   * A page of a folder as the VFS's entries; `offThread`: parsed by the answer worker (started if
   * need be). For the pages after a folder's first: a walk of many small folders costs less CPU in
   * all on the main thread (a worker's start and each page's copy cost more than its parse there).
   */
  listEntries(req: ListFileRequest, offThread: boolean, signal?: AbortSignal): Promise<EntryPage> {
    return this.http.callShaped('/v2/file/list', req, 'entries', { auth: scopeAuth(req), idempotent: true, signal, offThread });
  }

  /** Every page of a folder as entries (listEntries), one list call at a time; the pages after the first off the main thread. */
  iterateEntryPages(req: Omit<ListFileRequest, 'marker'>, signal?: AbortSignal): AsyncGenerator<EntryPage> {
    return pagesOf((marker) => this.listEntries({ ...req, marker } as ListFileRequest, marker !== '', signal), signal);
  }

  get(req: GetFileRequest, signal?: AbortSignal): Promise<PdsFile> {
    return this.http.call('/v2/file/get', req, { auth: scopeAuth(req), idempotent: true, signal });
  }

  getByPath(req: GetFileByPathRequest, signal?: AbortSignal): Promise<PdsFile> {
    return this.http.call('/v2/file/get_by_path', req, { idempotent: true, signal });
  }

  search(req: SearchFileRequest, signal?: AbortSignal): Promise<Paged<PdsFile> & { total_count?: number }> {
    return this.http.call('/v2/file/search', req, { idempotent: true, signal });
  }

  iterateSearch(req: Omit<SearchFileRequest, 'marker'>, signal?: AbortSignal): AsyncGenerator<PdsFile> {
    return paginate((marker) => this.search(marker ? { ...req, marker } : req, signal), signal);
  }

  /** Sets absolute values, so repeating it is harmless: retried like a read. */
  update(req: UpdateFileRequest, signal?: AbortSignal): Promise<PdsFile> {
    return this.http.call('/v2/file/update', req, { auth: scopeAuth(req), idempotent: true, signal });
  }

  /**
   * Retried after a lost answer too: when the retry is refused, the file is looked up, and if it
   * already sits where it was going, the lost attempt did the move.
   */
  move(req: MoveFileRequest, signal?: AbortSignal): Promise<AsyncResult> {
    return retryAmbiguous(this.http.retry, async (ambiguous) => {
      try {
        return await this.http.call<AsyncResult>('/v2/file/move', req, { signal });
      } catch (err) {
        if (!ambiguous) throw err;
        const f = await this.get({ drive_id: req.to_drive_id ?? req.drive_id, file_id: req.file_id }, signal).catch(() => undefined);
        if (f && f.parent_file_id === req.to_parent_file_id && (req.new_name === undefined || f.name === req.new_name)) return { domain_id: f.domain_id, drive_id: f.drive_id, file_id: f.file_id };
        throw err;
      }
    }, signal);
  }

  /** From a share (share_id) into a drive this sends both the share token and the bearer. */
  copy(req: CopyFileRequest, signal?: AbortSignal): Promise<AsyncResult> {
    // Out of a share into a drive: the share token reads, the bearer writes (share save).
    return this.http.call('/v2/file/copy', req, { auth: req.share_id ? { shareId: req.share_id, bearer: true } : 'bearer', signal });
  }

  /** Retried after a lost answer too (see removeOnce). */
  delete(req: DeleteFileRequest, signal?: AbortSignal): Promise<AsyncResult> {
    return removeOnce(this.http.retry, req, () => this.http.call<AsyncResult>('/v2/file/delete', req, { signal }), signal);
  }

  getDownloadUrl(req: GetDownloadUrlRequest, signal?: AbortSignal): Promise<DownloadUrlResponse> {
    return this.http.call('/v2/file/get_download_url', req, { auth: scopeAuth(req), idempotent: true, signal });
  }
}
