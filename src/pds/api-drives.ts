// drive/* and user/get (docs/pds-wire-protocol.md, Drives).
import type { Paged, PdsDrive, PdsUser } from './wire-types.js';
import type { PdsHttp } from './http.js';
import { paginate } from './paging.js';

export interface ListDrivesRequest {
  limit?: number;
  marker?: string;
  owner?: string;
  owner_type?: 'user' | 'group';
}

const read = { idempotent: true } as const;

export class DrivesApi {
  constructor(private readonly http: PdsHttp) {}

  /** The token's user's own drives; team drives come from listMyGroupDrives. */
  listMine(req: { limit?: number; marker?: string } = {}, signal?: AbortSignal): Promise<Paged<PdsDrive>> {
    return this.http.call('/v2/drive/list_my_drives', req, { ...read, signal });
  }

  iterateMine(req: { limit?: number } = {}, signal?: AbortSignal): AsyncGenerator<PdsDrive> {
    return paginate((marker) => this.listMine({ ...req, marker }, signal), signal);
  }

  /** Group (team) drives the token's user is a member of (drive/list_my_group_drive, as the official JS SDK calls it). */
  listMyGroupDrives(req: { limit?: number; marker?: string } = {}, signal?: AbortSignal): Promise<Paged<PdsDrive>> {
    return this.http.call('/v2/drive/list_my_group_drive', req, { ...read, signal });
  }

  /** Every drive the user can use: own drives, then team drives, each once. */
  async *iterateUsable(req: { limit?: number } = {}, signal?: AbortSignal): AsyncGenerator<PdsDrive> {
    const seen = new Set<string>();
    const own = paginate((marker) => this.listMine({ ...req, marker }, signal), signal);
    const team = paginate((marker) => this.listMyGroupDrives({ ...req, marker }, signal), signal);
    for (const source of [own, team]) {
      for await (const d of source) {
        if (seen.has(d.drive_id)) continue;
        seen.add(d.drive_id);
        yield d;
      }
    }
  }

  /** All drives of the domain (admin). */
  list(req: ListDrivesRequest = {}, signal?: AbortSignal): Promise<Paged<PdsDrive>> {
    return this.http.call('/v2/drive/list', req, { ...read, signal });
  }

  iterate(req: Omit<ListDrivesRequest, 'marker'> = {}, signal?: AbortSignal): AsyncGenerator<PdsDrive> {
    return paginate((marker) => this.list({ ...req, marker }, signal), signal);
  }

  get(driveId: string, signal?: AbortSignal): Promise<PdsDrive> {
    return this.http.call('/v2/drive/get', { drive_id: driveId }, { ...read, signal });
  }

  /** The user's default drive (the token's user when userId is omitted). */
  getDefault(userId?: string, signal?: AbortSignal): Promise<PdsDrive> {
    return this.http.call('/v2/drive/get_default_drive', userId ? { user_id: userId } : {}, { ...read, signal });
  }
}

export class UsersApi {
  constructor(private readonly http: PdsHttp) {}

  /** The token's user when userId is omitted. */
  get(userId?: string, signal?: AbortSignal): Promise<PdsUser> {
    return this.http.call('/v2/user/get', userId ? { user_id: userId } : {}, { ...read, signal });
  }
}
