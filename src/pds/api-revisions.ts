// file/revision/list, get, restore, delete: a file's earlier contents (names as in the official
// PDS JS SDK, PDSFileRevisionAPIClient). A revision's bytes come from file/get_download_url with revision_id.
import type { Paged, PdsFileRevision } from './wire-types.js';
import type { PdsHttp } from './http.js';
import { paginate } from './paging.js';

export interface RevisionKey {
  drive_id: string;
  file_id: string;
  revision_id: string;
}

export class RevisionsApi {
  constructor(private readonly http: PdsHttp) {}

  /** Newest first; the current content is the item with is_latest_version. */
  list(req: { drive_id: string; file_id: string; limit?: number; marker?: string }, signal?: AbortSignal): Promise<Paged<PdsFileRevision>> {
    return this.http.call('/v2/file/revision/list', req, { idempotent: true, signal });
  }

  iterate(req: { drive_id: string; file_id: string; limit?: number }, signal?: AbortSignal): AsyncGenerator<PdsFileRevision> {
    return paginate((marker) => this.list(marker ? { ...req, marker } : req, signal), signal);
  }

  get(req: RevisionKey, signal?: AbortSignal): Promise<PdsFileRevision> {
    return this.http.call('/v2/file/revision/get', req, { idempotent: true, signal });
  }

  /** Makes the revision's content current again (as a new latest revision). */
  restore(req: RevisionKey, signal?: AbortSignal): Promise<PdsFileRevision> {
    return this.http.call('/v2/file/revision/restore', req, { signal });
  }

  delete(req: RevisionKey, signal?: AbortSignal): Promise<void> {
    return this.http.call('/v2/file/revision/delete', req, { signal });
  }
}
