// ShareRemote: a share link as a Remote (file/list, get, get_download_url with share_id and
// x-share-token). Read-only, unless the link is creatable: then folders and files may be added below
// the shared folders. Saving out of it into a drive is a server-side copy. A link that refuses access
// (expired, cancelled, wrong password) answers EACCES naming the reason, logged once per refusal.
import { type Logger, silentLogger } from '../shared/logger.js';
import type { Remote, RemoteCapabilities, RemoteEntry, SpaceInfo, UploadOptions } from '../core/remote.js';
import { VfsError } from '../core/errors.js';
import type { PdsClient } from './client.js';
import { DriveRemote } from './drive-remote.js';
import { toRemoteEntry } from './entry.js';
import { PdsError } from './errors.js';
import { takesUploads } from './api-shares.js';
import { ScopedRemote } from './remote-base.js';
import { fileSource } from './upload-source.js';
import type { PdsShareAnonymous } from './wire-types.js';

export interface ShareRemoteOptions {
  /** Share password, when the link has one. */
  password?: string;
  /** Default "share:<shareId>". */
  volumeId?: string;
  /** The link allows uploads (probe() finds this out from the link itself). */
  creatable?: boolean;
  /** Where a refusal is reported (once, until access works again). */
  logger?: Logger;
}

/** Share-level refusals (docs/pds-wire-protocol.md, Share links), in words. */
const REFUSALS: Readonly<Record<string, string>> = {
  'InvalidResource.SharePwd': 'wrong or missing password',
  'ShareLink.Cancelled': 'the share link was cancelled',
  'ShareLink.Expired': 'the share link has expired',
  'ShareLink.Forbidden': 'the share link is blocked',
  'NotFound.ShareLink': 'no such share link',
  ShareLinkTokenInvalid: 'the share token was refused',
};

function pdsErrorIn(err: unknown): PdsError | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof PdsError) return e;
  }
  return undefined;
}

/** Why a share link refuses access, when the error is such a refusal. */
export function shareRefusal(err: unknown): string | undefined {
  const pds = pdsErrorIn(err);
  return pds ? REFUSALS[pds.code] : undefined;
}

/** A readable reason for any failed share access. */
export function shareProblem(err: unknown): string {
  const refusal = shareRefusal(err);
  if (refusal) return refusal;
  const pds = pdsErrorIn(err);
  if (pds) return `${pds.code}: ${pds.message}`;
  return err instanceof Error ? err.message : String(err);
}

const READ_ONLY: RemoteCapabilities = { readOnly: true, serverSideCopy: true, maxNameBytes: 1024, changeFeed: false };

const readOnly = (..._args: unknown[]): Promise<never> => Promise.reject(new VfsError('EROFS', 'share links are read-only'));
const addOnly = (..._args: unknown[]): Promise<never> => Promise.reject(new VfsError('EACCES', 'this share link only allows adding files and folders'));

export class ShareRemote extends ScopedRemote implements Remote {
  readonly volumeId: string;
  capabilities: RemoteCapabilities;
  /** Why the link refuses access, since the last failed call (cleared by a successful one). */
  problem: string | undefined;
  private readonly logger: Logger;

  constructor(client: PdsClient, readonly shareId: string, opts: ShareRemoteOptions = {}) {
    super(client, { share_id: shareId });
    this.volumeId = opts.volumeId ?? `share:${shareId}`;
    this.capabilities = { ...READ_ONLY, readOnly: !opts.creatable };
    this.logger = opts.logger ?? silentLogger();
    client.useSharePassword(shareId, opts.password);
  }

  /**
   * Checks the link before use: its public info (name, whether it takes uploads) and a share token,
   * so a wrong password shows now. Does not log: the caller reports `problem` in its own words.
   */
  async probe(signal?: AbortSignal): Promise<{ info?: PdsShareAnonymous; problem?: string; unreachable?: boolean }> {
    let info: PdsShareAnonymous | undefined;
    try {
      info = await this.client.shareLinks.getByAnonymous(this.shareId, signal);
      this.capabilities = { ...READ_ONLY, readOnly: !takesUploads(info) };
      await this.client.shareTokens.get(this.shareId);
      this.problem = undefined;
      return { info };
    } catch (err) {
      // PDS cannot be reached: nothing is known of the link yet, and nothing is wrong with it either.
      if (pdsErrorIn(err)?.code === 'HostDown') return { problem: shareProblem(err), unreachable: true };
      this.problem = shareProblem(err);
      return { ...(info ? { info } : {}), problem: this.problem };
    }
  }

  override async *listPages(dirId: string, signal?: AbortSignal): AsyncIterable<RemoteEntry[]> {
    try {
      yield* super.listPages(dirId, signal);
      this.problem = undefined;
    } catch (err) {
      throw this.refusal(err) ?? err;
    }
  }

  protected override async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await super.guard(fn);
      this.problem = undefined;
      return result;
    } catch (err) {
      throw this.refusal(err) ?? err;
    }
  }

  createDir(parentId: string, name: string, opts: { userMeta?: string } = {}): Promise<RemoteEntry> {
    if (this.capabilities.readOnly) return readOnly();
    return this.guard(async () => {
      this.refuseRoot(parentId);
      return this.makeFolder(parentId, name, opts.userMeta);
    });
  }

  upload(parentId: string, name: string, localPath: string, size: number, opts: UploadOptions = {}): Promise<RemoteEntry> {
    if (this.capabilities.readOnly) return readOnly();
    return this.guard(async () => {
      this.refuseRoot(parentId);
      return toRemoteEntry(await this.client.uploader.upload({ scope: this.scope, parentId, name, source: fileSource(localPath, size), ...opts }));
    });
  }

  update(..._args: unknown[]): Promise<never> {
    return this.capabilities.readOnly ? readOnly() : addOnly();
  }

  move = this.update;
  trash = this.update;
  delete = this.update;

  /** Saves a shared file or folder into a drive (needs that drive's credentials on the same client). */
  copy(id: string, newParentId: string, newName: string, to?: Remote): Promise<RemoteEntry> {
    if (!(to instanceof DriveRemote)) return readOnly();
    return this.save(id, to, newParentId, newName);
  }

  /**
   * Server-side copy into a drive: no bytes pass through here. A folder is copied by an async task;
   * `onProgress` follows it (entries copied, entries in all).
   */
  save(id: string, to: DriveRemote, parentId: string, name: string, onProgress?: (done: number, total: number) => void): Promise<RemoteEntry> {
    return this.guard(async () => {
      const r = await this.client.files.copy({ share_id: this.shareId, file_id: id, to_drive_id: to.driveId, to_parent_file_id: parentId, new_name: name, auto_rename: false });
      if (r.exist) throw new VfsError('EEXIST', `${name} already exists`);
      const watch = r.async_task_id && onProgress ? watchTask(this.client, r.async_task_id, onProgress) : undefined;
      try {
        await this.client.tasks.settle(r);
      } finally {
        await watch?.finish();
      }
      return to.get(r.file_id);
    });
  }

  /** No quota of its own: a creatable link takes what its owner's drive takes (unknown here). */
  async statfs(): Promise<SpaceInfo> {
    return this.capabilities.readOnly ? { total: 0, used: 0, free: 0 } : { total: Number.POSITIVE_INFINITY, used: 0, free: Number.POSITIVE_INFINITY };
  }

  /** The top of a share lists the shared items; it holds no new entries (PDS refuses them too). */
  private refuseRoot(parentId: string): void {
    if (parentId === this.rootId) throw new VfsError('EACCES', 'new entries go inside the shared folders, not next to them');
  }

  /** A share-level refusal as EACCES naming the reason; logged when it is new. */
  private refusal(err: unknown): VfsError | undefined {
    const reason = shareRefusal(err);
    if (!reason) return undefined;
    if (reason !== this.problem) {
      this.logger.error({ share: this.shareId, problem: reason }, `share ${this.shareId} is no longer readable: ${reason}`);
    }
    this.problem = reason;
    return new VfsError('EACCES', `share ${this.shareId}: ${reason}`, undefined, { cause: err });
  }
}

/** Reports a task's progress while it runs; finish() reports where it ended and stops. */
function watchTask(client: PdsClient, taskId: string, onProgress: (done: number, total: number) => void): { finish(): Promise<void> } {
  let stopped = false;
  let last = -1;
  const report = async (final: boolean) => {
    const task = await client.tasks.get(taskId).catch(() => undefined);
    if (stopped && !final) return; // the final report has the last word
    const done = task?.consumed_process ?? 0;
    if (task && done !== last) {
      last = done;
      onProgress(done, task.total_process ?? 0);
    }
  };
  void (async () => {
    while (!stopped) {
      await report(false);
      await new Promise((resolve) => setTimeout(resolve, 250).unref());
    }
  })();
  return {
    finish() {
      stopped = true;
      return report(true);
    },
  };
}
