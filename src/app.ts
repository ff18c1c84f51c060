// The composition root: PDS client → volumes → caches → Vfs. With no endpoint configured it starts
// the embedded local PDS server on the data dir first. Front-ends and tests build everything here.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppOptions } from './app-options.js';
import { BlockCache } from './cache/blocks/block-cache.js';
import { DiskReserve } from './cache/disk-reserve.js';
import { CacheDb } from './cache/metadata/db.js';
import { Journal } from './cache/metadata/journal.js';
import { MetadataStore } from './cache/metadata/nodes.js';
import { OpLog } from './cache/metadata/ops.js';
import { Settings } from './cache/metadata/settings.js';
import { StagingFiles } from './cache/staging/staging-files.js';
import type { EmbeddedServer } from './emulator/embedded.js';
import { connectPds, DriveRemote, type PdsClient } from './pds/index.js';
import { shareVolumes } from './shares/volumes.js';
import { type Logger, silentLogger } from './shared/logger.js';
import { RemoteBlockSource } from './vfs/block-source.js';
import { withVfsErrors } from './vfs/error-boundary.js';
import type { ForegroundActivity } from './vfs/foreground.js';
import { toVfsError, VfsError } from './core/errors.js';
import { Reachability } from './core/reachability.js';
import { Namespace } from './vfs/namespace.js';
import { PdsVfs } from './vfs/pds-vfs.js';
import { ViewsVfs } from './vfs/views/views-vfs.js';
import type { VfsAdmin } from './vfs/admin.js';
import type { Vfs } from './vfs/types.js';
import { uniqueDirNames, type Volume } from './vfs/volume.js';
import type { MetaAccess } from './core/view-remote.js';

export interface App {
  /** What the front-ends and the view commands call; every method throws VfsError. */
  readonly vfs: Vfs & MetaAccess & Pick<ViewsVfs, 'restore'>;
  /** Status, queues, the change feed on demand and path lookup: for control, status and the share commands. */
  readonly admin: VfsAdmin;
  /** PDS endpoint in use (the embedded server's when none was configured). */
  readonly endpoint: string;
  readonly logger: Logger;
  /** This data source's cache folder (under --cache-dir): metadata, blocks, staging, front-end state. */
  readonly cacheDir: string;
  readonly volumes: readonly Volume[];
  readonly client: PdsClient;
  /** Whether PDS answers (online/offline since when). */
  readonly reachability: Reachability;
  /** Drains uploads, then closes caches and the embedded server. */
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions, deps: { logger?: Logger; foreground?: ForegroundActivity } = {}): Promise<App> {
  const logger = deps.logger ?? silentLogger();
  // Loaded only when used: a daemon pointed at a real PDS domain does not carry the local server.
  const embedded = opts.endpoint ? undefined : await (await import('./emulator/embedded.js')).startEmbedded(opts.dataDir);
  const cleanup: (() => Promise<void> | void)[] = [];
  if (embedded) cleanup.push(() => embedded.close());
  const reachability = new Reachability({ logger });
  cleanup.push(() => reachability.close());
  try {
    // One cache per data source: the embedded server's port changes between runs, its store does not.
    const sourceKey = opts.endpoint ?? `local:${path.resolve(opts.dataDir)}`;
    const cacheDir = path.join(opts.cacheDir, createHash('sha1').update(sourceKey).digest('hex').slice(0, 12));
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const db = CacheDb.open(path.join(cacheDir, 'metadata.sqlite'));
    cleanup.unshift(() => db.close());

    const client = connectToSource(opts, embedded, logger, reachability);
    const settings = new Settings(db);
    const volumes = await driveVolumes(client, opts, settings, logger);
    const single = opts.drive !== undefined;
    const served = single ? [pickDrive(volumes, opts.drive!)] : [...volumes, ...(await shareVolumes(client, opts.shares ?? [], opts.readOnly, logger, settings))];
    const { vfs, admin } = await openVfs({ served, single, cacheDir, db, opts, logger, reachability, ...(deps.foreground ? { foreground: deps.foreground } : {}) });
    logger.info({ endpoint: embedded ? 'embedded local PDS server' : opts.endpoint, volumes: served.map((v) => v.dirName) }, 'ready');
    return {
      vfs,
      admin,
      endpoint: embedded?.endpoint ?? opts.endpoint!,
      logger,
      cacheDir,
      volumes: served,
      client,
      reachability,
      close: async () => {
        await vfs.close();
        for (const c of cleanup) await c();
      },
    };
  } catch (e) {
    for (const c of cleanup) await c();
    throw e;
  }
}

/** What the caches and the Vfs are built over: the served volumes and this data source's cache. */
export interface VfsSources {
  served: Volume[];
  /** One volume at the root (--drive) instead of drives/ and shares/. */
  single: boolean;
  cacheDir: string;
  db: CacheDb;
  opts: AppOptions;
  logger: Logger;
  reachability: Reachability;
  foreground?: ForegroundActivity;
}

/** The block cache, the metadata cache and the Vfs over the volumes (the app's, or a test's memory drives). */
export async function openVfs({ served, single, cacheDir, db, opts, logger, reachability, foreground }: VfsSources): Promise<Pick<App, 'vfs' | 'admin'>> {
  const volumeById = (id: string) => served.find((v) => v.id === id);
  // One view of the cache disk's free space for staged writes and cached blocks.
  const space = new DiskReserve(cacheDir);
  const blocks = new BlockCache(db, path.join(cacheDir, 'blocks'), new RemoteBlockSource(volumeById), {
    blockSize: opts.blockSize,
    memBytes: opts.cacheMem,
    diskBytes: opts.cacheMaxSize,
    space,
  });
  const main = await PdsVfs.open({
    ns: new Namespace(served, single),
    store: new MetadataStore(db),
    journal: new Journal(db),
    ops: new OpLog(db),
    reachability,
    staging: new StagingFiles(path.join(cacheDir, 'staging'), space),
    blocks,
    logger,
    ...(foreground ? { foreground } : {}),
    opts: {
      readOnly: opts.readOnly,
      deletePermanently: opts.deletePermanently,
      writeBackMs: opts.writeBackMs,
      dirCacheTtlMs: opts.dirCacheTimeMs,
      ...(opts.listPrefetch !== undefined ? { listPrefetch: opts.listPrefetch } : {}),
      pollIntervalMs: opts.pollIntervalMs,
      maxDirtyBytes: opts.maxDirtyBytes ?? Math.max(opts.cacheMaxSize, 1024 ** 3),
      ...(opts.inodeNumbers !== undefined ? { inodeNumbers: opts.inodeNumbers } : {}),
      ...(opts.metaSettleMs !== undefined ? { metaSettleMs: opts.metaSettleMs } : {}),
    },
  });
  // Without --drive, or with --show-views: trash/, versions/, search/, starred/ and photos/ at the root.
  // Front-ends see only VfsErrors, whatever fails below, views included (withVfsErrors); their
  // requests, counted there, make the uploads yield.
  const views = new ViewsVfs(main, main.admin, served, blocks, { single, show: !single || opts.showViews === true });
  const vfs = withVfsErrors(views, main.foreground);
  return { vfs, admin: views.admin };
}

function connectToSource(opts: AppOptions, embedded: EmbeddedServer | undefined, logger: Logger, reachability: Reachability): PdsClient {
  const transfers = {
    ...(opts.downloadStreams !== undefined ? { download: { maxStreams: opts.downloadStreams } } : {}),
    ...(opts.uploadParts !== undefined ? { upload: { maxParallelParts: opts.uploadParts } } : {}),
  };
  if (embedded) {
    const account = embedded.account;
    return connectPds({
      endpoint: embedded.endpoint,
      refreshToken: account.refresh_token,
      clientId: account.client_id,
      clientSecret: account.client_secret,
      ...transfers,
      logger,
    });
  }
  if (opts.jwt) return connectPds({ endpoint: opts.endpoint!, jwt: opts.jwt, ...transfers, logger, reachability });
  if (opts.refreshToken && opts.clientId) {
    // An access token given too is used until it is rejected; the refresh token then renews it.
    return connectPds({
      endpoint: opts.endpoint!,
      refreshToken: opts.refreshToken,
      ...(opts.accessToken ? { accessToken: opts.accessToken } : {}),
      clientId: opts.clientId,
      ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}),
      ...(opts.tokenStore ? { tokenStore: opts.tokenStore } : {}),
      ...transfers,
      logger,
      reachability,
    });
  }
  if (opts.accessToken) return connectPds({ endpoint: opts.endpoint!, accessToken: opts.accessToken, ...transfers, logger, reachability });
  throw new VfsError('EACCES', 'no credentials: give --access-token, or --refresh-token with --client-id (or run pdsfs login)');
}

/** The user's drives; while PDS is unreachable, those of the last run (kept in the cache database). */
async function driveVolumes(client: PdsClient, opts: AppOptions, settings: Settings, logger: Logger): Promise<Volume[]> {
  type Known = { drive_id: string; drive_name: string };
  let drives: Known[] = [];
  try {
    for await (const d of client.drives.iterateUsable()) drives.push({ drive_id: d.drive_id, drive_name: d.drive_name });
    settings.set('drives', drives);
  } catch (err) {
    const known = settings.get<Known[]>('drives');
    if (!VfsError.is(toVfsError(err), 'EHOSTDOWN') || !known) throw err;
    logger.warn({ drives: known.length }, 'PDS is unreachable: serving the drives known from the last run, from the cache');
    drives = known;
  }
  const names = uniqueDirNames(drives.map((d) => d.drive_name));
  return drives.map((d, i) => {
    const remote = new DriveRemote(client, d.drive_id);
    return { id: remote.volumeId, dirName: names[i]!, kind: 'drive' as const, remote, readOnly: opts.readOnly };
  });
}

function pickDrive(volumes: Volume[], wanted: string): Volume {
  const hit = volumes.find((v) => v.id.endsWith(`:${wanted}`)) ?? volumes.find((v) => v.dirName.normalize('NFC') === wanted.normalize('NFC'));
  if (!hit) throw new VfsError('ENOENT', `no drive named or numbered "${wanted}"; drives: ${volumes.map((v) => v.dirName).join(', ')}`);
  return hit;
}
