// The local PDS server ("emulator"): a self-contained implementation of the PDS /v2 API over
// SQLite metadata and content-addressed blobs in one data dir. Everything survives a restart.
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../shared/logger.js';
import { grantPermissions } from './admin.js';
import { type EmulatorContext, type EmulatorStats, resetStats } from './context.js';
import { Faults, type FaultPatch } from './faults.js';
import { fileCategory, fileExtension, mimeType } from './file-kinds.js';
import { startMaintenance } from './maintenance.js';
import { ROUTES } from './router.js';
import { requestListener } from './server.js';
import { AccountStore } from './store/accounts.js';
import { BlobStore } from './store/blobs.js';
import { ChangeLog } from './store/changes.js';
import { openDb, type Db } from './store/db.js';
import { FileStore } from './store/files.js';
import { PermissionStore, type FileAction } from './store/permissions.js';
import { RevisionStore } from './store/revisions.js';
import { lockDataDir } from './store/lock.js';
import { ensureSeed } from './store/seed.js';
import { ShareStore } from './store/share-links.js';
import { Sql } from './store/sql.js';
import { TaskRunner } from './store/tasks.js';
import { UploadStore } from './store/uploads.js';
import { UrlSigner } from './signing.js';
import { TokenService } from './tokens.js';

export type { FaultPatch, FaultSettings, NetProfile } from './faults.js';
export { NET_PROFILES } from './faults.js';
export type { EmulatorStats } from './context.js';

const HOUR_MS = 3_600_000;

export interface EmulatorOptions {
  /** SQLite (WAL) metadata + content-addressed sha1 blobs on disk. */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Nothing else opens the store while the server runs: SQLite's exclusive locking (store/db.ts). */
  exclusiveStore?: boolean;
  /** Default 8090; 0 = ephemeral. */
  port?: number;
  /** Access-token lifetime in ms (as every duration of the option table), default 2 hours, as the PDS token guide says. */
  tokenTtlMs?: number;
  /** Refresh-token lifetime in ms, default 7 days, as the PDS token guide says. */
  refreshTokenTtlMs?: number;
  /** Change-feed cursor lifetime in ms since it was handed out; default 7 days (the docs give none). */
  cursorTtlMs?: number;
  /** Enables the jwt-bearer grant for the dev app's client_id. */
  jwtPublicKeyPem?: string;
  /** Faults and network shaping from the start (a netProfile, then single settings). */
  faults?: FaultPatch;
  /** Exposes /admin/* (outside /v2) for run-time faults; off unless enabled. */
  adminApi?: boolean;
  /** Default 900. */
  uploadUrlTtlSec?: number;
  /** Default 900 (expire_sec overrides, max 115200). */
  downloadUrlTtlSec?: number;
  /** total_size of new drives; default 100 GiB. */
  driveQuotaBytes?: number;
  /** Request errors are logged here (never tokens or signed URLs). */
  logger?: Logger;
}

export interface DevAccount {
  endpoint: string;
  domain_id: string;
  user_id: string;
  drive_id: string;
  team_drive_id: string;
  client_id: string;
  client_secret: string;
  access_token: string;
  refresh_token: string;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export class Emulator {
  private constructor(
    private readonly server: http.Server,
    private readonly db: Db,
    private readonly ctx: EmulatorContext,
    private readonly faults: Faults,
    private readonly sockets: Set<Socket>,
    private readonly inflight: Set<Promise<void>>,
    private readonly stopMaintenance: () => void,
    private readonly unlock: () => void,
    readonly endpoint: string,
  ) {}

  static async start(opts: EmulatorOptions): Promise<Emulator> {
    await fs.mkdir(opts.dataDir, { recursive: true });
    const unlock = lockDataDir(opts.dataDir);
    let db: Db | undefined;
    try {
      db = openDb(opts.dataDir, { exclusive: opts.exclusiveStore ?? false });
      return await Emulator.listen(opts, db, unlock);
    } catch (err) {
      db?.close();
      unlock();
      throw err;
    }
  }

  private static async listen(opts: EmulatorOptions, db: Db, unlock: () => void): Promise<Emulator> {
    db.function('pds_category', { deterministic: true }, (name: unknown, type: unknown) => (type === 'file' ? fileCategory(String(name)) : ''));
    db.function('pds_extension', { deterministic: true }, (name: unknown, type: unknown) => (type === 'file' ? fileExtension(String(name)) : ''));
    db.function('pds_mime', { deterministic: true }, (name: unknown, type: unknown) => (type === 'file' ? mimeType(String(name)) : ''));
    const config = {
      tokenTtlMs: opts.tokenTtlMs ?? 2 * HOUR_MS,
      refreshTokenTtlMs: opts.refreshTokenTtlMs ?? 7 * 24 * HOUR_MS,
      cursorTtlMs: opts.cursorTtlMs ?? 7 * 24 * HOUR_MS,
      uploadUrlTtlSec: opts.uploadUrlTtlSec ?? 900,
      downloadUrlTtlSec: opts.downloadUrlTtlSec ?? 900,
      driveQuotaBytes: opts.driveQuotaBytes ?? 100 * 1024 ** 3,
      ...(opts.jwtPublicKeyPem ? { jwtPublicKeyPem: opts.jwtPublicKeyPem } : {}),
    };
    const seed = ensureSeed(db, config.driveQuotaBytes);
    const stats: EmulatorStats = { requests: {}, bytesUploaded: 0, bytesReadBack: 0, bytesDownloaded: 0, connections: 0, inFlight: {}, inFlightPeak: {}, handled: {}, asyncTasks: 0, commits: 0 };
    const sql = new Sql(db, () => stats.commits++);
    const accounts = new AccountStore(sql);
    const blobs = new BlobStore(opts.dataDir, sql, (n) => (stats.bytesReadBack += n));
    const uploads = new UploadStore(sql);
    await blobs.init((uploadId) => uploads.get(uploadId) !== undefined);
    let endpoint = '';
    const faults = new Faults(opts.faults);
    const files = new FileStore(sql);
    const ctx: EmulatorContext = {
      config, seed, sql, accounts, blobs, files,
      permissions: new PermissionStore(sql, files),
      revisions: new RevisionStore(sql),
      uploads,
      changes: new ChangeLog(sql),
      shares: new ShareStore(sql),
      tasks: new TaskRunner(sql, () => stats.asyncTasks++),
      faults,
      signer: new UrlSigner(seed.secret, () => endpoint),
      tokens: new TokenService(sql, accounts, seed.secret, seed.domainId, config.tokenTtlMs, config.refreshTokenTtlMs),
      stats,
      ...(opts.logger ? { log: opts.logger } : {}),
    };
    const inflight = new Set<Promise<void>>();
    const server = http.createServer({ keepAliveTimeout: 5000 }, requestListener({ ctx, routes: ROUTES, faults, adminApi: !!opts.adminApi, inflight }));
    const sockets = new Set<Socket>();
    server.on('connection', (s) => {
      ctx.stats.connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 8090, host, () => resolve());
    });
    endpoint = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`;
    return new Emulator(server, db, ctx, faults, sockets, inflight, startMaintenance(ctx), unlock, endpoint);
  }

  /** Issues a fresh access + refresh token pair for the development user. */
  devAccount(): DevAccount {
    const { seed, accounts, tokens } = this.ctx;
    const user = accounts.user(seed.userId);
    if (!user) throw new Error('the development user is missing from the store');
    const t = tokens.issue(user, seed.clientId);
    return {
      endpoint: this.endpoint, domain_id: seed.domainId, user_id: seed.userId, drive_id: seed.driveId,
      team_drive_id: seed.teamDriveId, client_id: seed.clientId, client_secret: seed.clientSecret,
      access_token: t.access_token, refresh_token: t.refresh_token,
    };
  }

  setFaults(f: FaultPatch): void {
    this.faults.set(f);
  }

  /** See Faults.loseAnswers: the next `count` requests to `key` are done, and their answers lost. */
  loseAnswers(key: string, count: number, opts: { silentAfter?: boolean } = {}): void {
    this.faults.loseAnswers(key, count, opts);
  }

  /** Requests the silent fault held: since start, and held now. */
  get silenced(): { readonly total: number; readonly now: number } {
    return { ...this.faults.silenced };
  }

  /** Faults injected since start, by kind: 429 and 5xx answers, transfers dropped and stalled, answers lost. */
  get faultsFired(): Faults['fired'] {
    return { ...this.faults.fired };
  }

  /**
   * What a user (default: the development user) may do in a subtree, or with 'root' in the whole
   * team drive `driveId`, as /admin/permissions sets it; null clears it.
   */
  setPermissions(fileId: string, actionList: readonly FileAction[] | null, opts: { driveId?: string; userId?: string } = {}): void {
    grantPermissions(this.ctx, { fileId, actions: actionList, userId: opts.userId ?? this.ctx.seed.userId, ...(opts.driveId ? { driveId: opts.driveId } : {}) });
  }

  get stats(): EmulatorStats {
    return this.ctx.stats;
  }

  resetStats(): void {
    resetStats(this.ctx.stats);
  }

  /** Closes the server (and open sockets), waits for running tasks, closes SQLite. */
  async close(): Promise<void> {
    this.stopMaintenance();
    // Requests held by a silence are let go (into destroyed sockets), so closing does not wait for them.
    this.faults.set({ silent: 0 });
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    await this.ctx.tasks.drain();
    this.ctx.sql.flush();
    this.db.close();
    this.unlock();
  }
}
