// recyclebin/trash, list, restore (docs/pds-wire-protocol.md, Recycle bin and tasks).
import type { AsyncResult, Paged, PdsFile } from './wire-types.js';
import type { PdsHttp } from './http.js';
import { paginate } from './paging.js';
import { removeOnce } from './ambiguous-retry.js';

export class RecycleBinApi {
  constructor(private readonly http: PdsHttp) {}

  /** Retried after a lost answer too (see removeOnce). */
  trash(req: { drive_id: string; file_id: string }, signal?: AbortSignal): Promise<AsyncResult> {
    return removeOnce(this.http.retry, req, () => this.http.call<AsyncResult>('/v2/recyclebin/trash', req, { signal }), signal);
  }

  /** Newest trashed first. */
  list(req: { drive_id: string; limit?: number; marker?: string }, signal?: AbortSignal): Promise<Paged<PdsFile>> {
    return this.http.call('/v2/recyclebin/list', req, { idempotent: true, signal });
  }

  iterate(req: { drive_id: string; limit?: number }, signal?: AbortSignal): AsyncGenerator<PdsFile> {
    return paginate((marker) => this.list({ ...req, marker }, signal), signal);
  }

  restore(req: { drive_id: string; file_id: string }, signal?: AbortSignal): Promise<AsyncResult> {
    return this.http.call('/v2/recyclebin/restore', req, { signal });
  }
}
