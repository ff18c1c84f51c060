// share_link/* (docs/pds-wire-protocol.md, Share links): owner side with the bearer, anonymous side without it.
import type { Paged, PdsShareAnonymous, PdsShareLink, ShareTokenResponse } from './wire-types.js';
import type { PdsHttp } from './http.js';
import { paginate } from './paging.js';

export interface CreateShareLinkRequest {
  drive_id: string;
  file_id_list?: string[];
  share_all_files?: boolean;
  share_pwd?: string;
  /** RFC 3339; '' means never. */
  expiration?: string;
  share_name?: string;
  description?: string;
  disable_preview?: boolean;
  disable_save?: boolean;
  disable_download?: boolean;
  preview_limit?: number;
  save_limit?: number;
  download_limit?: number;
  creatable?: boolean;
  creatable_file_id_list?: string[];
}

export interface ListShareLinksRequest {
  limit?: number;
  marker?: string;
  creator?: string;
  include_cancelled?: boolean;
  order_by?: 'share_name' | 'description' | 'created_at' | 'updated_at';
  order_direction?: 'ASC' | 'DESC';
}

export type UpdateShareLinkRequest = { share_id: string } & Partial<Omit<CreateShareLinkRequest, 'drive_id' | 'file_id_list'>> & {
  status?: 'enabled' | 'disabled';
};

export class ShareLinksApi {
  constructor(private readonly http: PdsHttp) {}

  create(req: CreateShareLinkRequest, signal?: AbortSignal): Promise<PdsShareLink> {
    return this.http.call('/v2/share_link/create', req, { signal });
  }

  list(req: ListShareLinksRequest = {}, signal?: AbortSignal): Promise<Paged<PdsShareLink>> {
    return this.http.call('/v2/share_link/list', req, { idempotent: true, signal });
  }

  iterate(req: Omit<ListShareLinksRequest, 'marker'> = {}, signal?: AbortSignal): AsyncGenerator<PdsShareLink> {
    return paginate((marker) => this.list({ ...req, marker }, signal), signal);
  }

  get(shareId: string, signal?: AbortSignal): Promise<PdsShareLink> {
    return this.http.call('/v2/share_link/get', { share_id: shareId }, { idempotent: true, signal });
  }

  /** Sets absolute values: retried like a read. */
  update(req: UpdateShareLinkRequest, signal?: AbortSignal): Promise<PdsShareLink> {
    return this.http.call('/v2/share_link/update', req, { idempotent: true, signal });
  }

  cancel(shareId: string, signal?: AbortSignal): Promise<void> {
    return this.http.call('/v2/share_link/cancel', { share_id: shareId }, { idempotent: true, signal });
  }

  /** Public information; no authentication needed. */
  getByAnonymous(shareId: string, signal?: AbortSignal): Promise<PdsShareAnonymous> {
    return this.http.call('/v2/share_link/get_by_anonymous', { share_id: shareId }, { auth: 'none', idempotent: true, signal });
  }

  /** A share token (always required, even without a password). InvalidResource.SharePwd on a wrong password. */
  getShareToken(req: { share_id: string; share_pwd?: string; expire_sec?: number }, signal?: AbortSignal): Promise<ShareTokenResponse> {
    return this.http.call('/v2/share_link/get_share_token', req, { auth: 'none', idempotent: true, signal });
  }
}

/** Whether a share link takes uploads, under either name the official sources give the flag. */
export function takesUploads(link: { creatable?: boolean; enable_upload?: boolean }): boolean {
  return link.enable_upload === true || link.creatable === true;
}
