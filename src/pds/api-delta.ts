// file/get_last_cursor and file/list_delta: the change feed (docs/pds-wire-protocol.md, Change feed).
import type { DeltaResponse } from './wire-types.js';
import type { PdsHttp } from './http.js';
import type { ChangesPage } from './answer-shapes.js';

export interface ListDeltaRequest {
  drive_id: string;
  /** Omit for the first call (replays history). */
  cursor?: string;
  limit?: number;
  sync_root_id?: string;
}

export class DeltaApi {
  constructor(private readonly http: PdsHttp) {}

  /** The cursor of "now": watch from here without replaying history. */
  async getLastCursor(req: { drive_id: string; sync_root_id?: string }, signal?: AbortSignal): Promise<string> {
    const r = await this.http.call<{ cursor: string }>('/v2/file/get_last_cursor', req, { idempotent: true, signal });
    return r.cursor;
  }

  list(req: ListDeltaRequest, signal?: AbortSignal): Promise<DeltaResponse> {
    return this.http.call('/v2/file/list_delta', req, { idempotent: true, signal });
  }

  /**
   * A page of the feed as the VFS's changes; `offThread`: parsed by the answer worker (started if
   * need be), for the pages after one that said has_more. A poll's first page, mostly empty, is not.
   */
  listChanges(req: ListDeltaRequest, offThread: boolean, signal?: AbortSignal): Promise<ChangesPage> {
    return this.http.callShaped('/v2/file/list_delta', req, 'changes', { idempotent: true, signal, offThread });
  }

  /** Pages after `cursor` until has_more is false; each page carries the cursor to persist. */
  async *iterate(req: ListDeltaRequest, signal?: AbortSignal): AsyncGenerator<DeltaResponse> {
    let cursor = req.cursor;
    for (;;) {
      const page = await this.list({ ...req, ...(cursor ? { cursor } : {}) }, signal);
      yield page;
      if (!page.has_more || page.cursor === cursor) return;
      cursor = page.cursor;
    }
  }
}
