// Everything a route handler may use, built once per emulator instance, and the shape of a call.
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../shared/logger.js';
import type { Faults } from './faults.js';
import type { Body } from './params.js';
import type { AccountStore, UserRow } from './store/accounts.js';
import type { BlobStore } from './store/blobs.js';
import type { ChangeLog } from './store/changes.js';
import type { FileStore } from './store/files.js';
import type { PermissionStore } from './store/permissions.js';
import type { RevisionStore } from './store/revisions.js';
import type { SeedAccount } from './store/seed.js';
import type { ShareRow, ShareStore } from './store/share-links.js';
import type { Sql } from './store/sql.js';
import type { TaskRunner } from './store/tasks.js';
import type { UploadStore } from './store/uploads.js';
import type { UrlSigner } from './signing.js';
import type { TokenService } from './tokens.js';

export interface EmulatorConfig {
  tokenTtlMs: number;
  refreshTokenTtlMs: number;
  /** How long a change-feed cursor stays usable after it was handed out. */
  cursorTtlMs: number;
  uploadUrlTtlSec: number;
  downloadUrlTtlSec: number;
  driveQuotaBytes: number;
  jwtPublicKeyPem?: string;
}

export interface EmulatorStats {
  requests: Record<string, number>;
  bytesUploaded: number;
  /** Bytes of stored parts read again at file/complete to hash them (a whole file sent in one part is hashed as it arrives instead). */
  bytesReadBack: number;
  bytesDownloaded: number;
  /** TCP connections accepted. */
  connections: number;
  /** Requests being served now, and the most served at once, by the same keys as `requests`. */
  inFlight: Record<string, number>;
  inFlightPeak: Record<string, number>;
  /** API requests whose work is done, by path; their answers may still be on their way (a slow link). */
  handled: Record<string, number>;
  /** Async tasks started (folder copies, recycle-bin clears, and mutations the asyncRate switch deferred). */
  asyncTasks: number;
  /** Group transactions committed (store/sql.ts: the writes of the requests served in one turn share one). */
  commits: number;
}

/** Zeroes the counters; the peaks restart from what is in flight now. */
export function resetStats(s: EmulatorStats): void {
  s.requests = {};
  s.bytesUploaded = 0;
  s.bytesDownloaded = 0;
  s.connections = 0;
  s.asyncTasks = 0;
  s.commits = 0;
  s.inFlightPeak = { ...s.inFlight };
  s.handled = {};
}

export interface EmulatorContext {
  readonly config: EmulatorConfig;
  readonly seed: SeedAccount;
  readonly sql: Sql;
  readonly accounts: AccountStore;
  readonly files: FileStore;
  /** What each user may do where (action_list). */
  readonly permissions: PermissionStore;
  readonly revisions: RevisionStore;
  readonly uploads: UploadStore;
  readonly changes: ChangeLog;
  readonly shares: ShareStore;
  readonly tasks: TaskRunner;
  /** Decides whether a move, trash, delete or restore runs as an async task (fault switch). */
  readonly faults: Pick<Faults, 'asyncDelay'>;
  readonly blobs: BlobStore;
  readonly signer: UrlSigner;
  readonly tokens: TokenService;
  readonly stats: EmulatorStats;
  readonly log?: Logger;
}

/** One /v2 call after parsing and authentication. */
export interface Call {
  readonly ctx: EmulatorContext;
  readonly path: string;
  readonly body: Body;
  readonly headers: IncomingHttpHeaders;
  readonly requestId: string;
  /** The bearer token's user, when a valid one was sent. */
  readonly user?: UserRow;
  /** The share link named by body.share_id, when a valid x-share-token for it was sent. */
  readonly share?: ShareRow;
}

export type Auth = 'none' | 'user' | 'user-or-share';

export interface Route {
  auth: Auth;
  /** /v2/oauth/token takes a form-encoded body. */
  form?: boolean;
  /** Status of a successful answer when not 200 (file/create: 201). A handler may return a Reply instead. */
  status?: number;
  handle(call: Call): unknown;
}

export type RouteTable = Record<string, Route>;

/** A handler's answer with a status other than 200; no body means 204 No Content. */
export class Reply {
  constructor(readonly status: number, readonly body?: unknown) {}
}
