// The VFS core: one filesystem model over all volumes, used by both front-ends. Metadata comes from
// the SQLite cache (kept current by the change feed or TTLs), reads from the block cache, writes go
// to staging files with a journal row and are uploaded by write-back.
import { posix } from 'node:path';
import type { Logger } from 'pino';
import type { BlockCache } from '../cache/blocks/block-cache.js';
import type { Journal, JournalRow } from '../cache/metadata/journal.js';
import type { MetadataStore } from '../cache/metadata/nodes.js';
import type { OpLog } from '../cache/metadata/ops.js';
import type { Reachability } from '../core/reachability.js';
import type { StagingFiles } from '../cache/staging/staging-files.js';
import { ChangePoller } from './change-poller.js';
import { vfsAdmin, type VfsAdmin } from './admin.js';
import { type VfsContext, type VfsOptions, type VfsStores, writableVolume } from './context.js';
import { DirCache } from './dir-cache.js';
import { ForegroundActivity } from './foreground.js';
import { refusesPermission, toVfsError, VfsError } from '../core/errors.js';
import { VfsFileHandle } from './file-handle.js';
import { OpenFileOwner } from './open-file-owner.js';
import { KeyedLock } from './keyed-lock.js';
import { ReadOnlyCheck } from './read-only-check.js';
import { LocalChanges } from './local-changes.js';
import { makeDir, updateEntry } from './namespace-writes.js';
import { nameKey } from '../shared/name-key.js';
import { validateName } from './names.js';
import type { Namespace } from './namespace.js';
import { InodeTable } from './node-info.js';
import { OpenFiles } from './open-file.js';
import { msFromNs, withPosixMeta, type PosixAttrs } from './posix-attrs.js';
import type { SpaceInfo } from '../core/remote.js';
import { Replayer } from './replay.js';
import { Resolver, type VNode } from './resolver.js';
import { completeStaged } from './staged-base.js';
import { StagedFile } from './staged-file.js';
import { copyNode, removeNode, renameNode, RowHolds } from './tree-ops.js';
import type { FileHandle, NodeInfo, OpenFlags, Vfs } from './types.js';
import { Writeback } from './writeback.js';

export interface PdsVfsDeps {
  ns: Namespace;
  store: MetadataStore;
  journal: Journal;
  ops: OpLog;
  reachability: Reachability;
  staging: StagingFiles;
  blocks: BlockCache;
  logger: Logger;
  opts: VfsOptions;
  /** The front-ends' requests (a test's, with its own clock); by default a new one. */
  foreground?: ForegroundActivity;
}

/** Drives whose roots a daemon lists as it starts, when its root is the namespace (listAhead). */
const LISTED_AHEAD_DRIVES = 8;

export class PdsVfs implements Vfs {
  private readonly ctx: VfsContext;
  private readonly inodes: InodeTable;
  private readonly poller: ChangePoller;
  private readonly replayer: Replayer;
  /** Stage, commit and close of open files (what their handles call). */
  private readonly files: OpenFileOwner;
  /** Status, queues and the change feed on demand, for the control server and the share commands. */
  readonly admin: VfsAdmin;
  /** The front-ends' requests, told by the seam above the VFS (withVfsErrors): uploads yield to them. */
  readonly foreground: ForegroundActivity;
  private readonly lastSpace = new Map<string, SpaceInfo>();
  private readonly statfsCache = new Map<string, { at: number; space: Promise<SpaceInfo> }>();

  private constructor(deps: PdsVfsDeps) {
    this.foreground = deps.foreground ?? new ForegroundActivity();
    this.inodes = new InodeTable(deps.opts.inodeNumbers ?? true);
    const changes = new LocalChanges(deps.store, deps.ops);
    const dirs = new DirCache(deps.store, {
      dirCacheTtlMs: deps.opts.dirCacheTtlMs,
      ...(deps.opts.listPrefetch !== undefined ? { listPrefetch: deps.opts.listPrefetch } : {}),
      afterFetch: (v, dirId) => changes.reapplyListing(v, dirId),
    });
    const { inodes } = this;
    const reach = deps.reachability;
    // Built in order, each over what exists: the stores, the write-back over them, the replay over
    // both, and the context the operations use over all three.
    const stores: VfsStores = {
      ...deps,
      dirs,
      resolver: new Resolver(deps.ns, dirs, deps.journal, changes),
      openFiles: new OpenFiles(),
      dirLocks: new KeyedLock(),
      readOnlyCheck: new ReadOnlyCheck(dirs, reach),
      changes,
      onRekey: (volume, from, to) => inodes.alias(`${volume.id}|id|${to}`, `${volume.id}|id|${from}`),
    };
    const writeback = newWriteback(stores, this.foreground);
    this.replayer = new Replayer({ ...stores, writeback }, () => writeback.kick());
    this.ctx = { ...stores, writeback, replay: this.replayer };
    this.files = new OpenFileOwner(this.ctx, inodes);
    this.poller = new ChangePoller(deps.ns.volumes, deps.store, dirs, deps.blocks, deps.opts.pollIntervalMs, deps.logger, {
      online: () => reach.online,
      afterApply: () => changes.reapply(),
    });
    const { replayer, poller } = this;
    this.admin = vfsAdmin(this.ctx, poller, () => replayer.replayed);
    reach.onChange((online) => {
      if (!online) return;
      replayer.kick();
      writeback.kick();
      void poller.pollAll();
    });
  }

  static async open(deps: PdsVfsDeps): Promise<PdsVfs> {
    const vfs = new PdsVfs(deps);
    await vfs.ctx.writeback.start(vfs.ctx.opts.writeBackMs);
    await vfs.poller.start();
    vfs.replayer.kick();
    return vfs;
  }

  async stat(path: string): Promise<NodeInfo> {
    return this.files.describe(await this.ctx.resolver.resolve(path));
  }

  async readdir(path: string): Promise<NodeInfo[]> {
    const out: NodeInfo[] = [];
    for await (const page of this.readdirPages(path)) out.push(...page);
    return out;
  }

  async *readdirPages(path: string): AsyncGenerator<NodeInfo[]> {
    const dir = await this.ctx.resolver.resolve(path);
    if (dir.kind !== 'dir') throw new VfsError('ENOTDIR', 'not a directory', path);
    for await (const page of this.ctx.resolver.childPages(dir)) yield page.map((c) => this.files.describe(c));
  }

  async listAhead(path: string): Promise<void> {
    const dir = await this.ctx.resolver.resolve(path);
    if (dir.kind !== 'dir') return;
    if (dir.volume && dir.id !== undefined) return this.ctx.dirs.fetch(dir.volume, dir.id);
    // A namespace folder: the drives' roots below it, the first LISTED_AHEAD_DRIVES of them (a domain
    // account may see many team drives, and share links can be many: each is a list call at start).
    if (dir.virtual) {
      const drives = this.ctx.ns.volumes.filter((v) => v.kind === 'drive').slice(0, LISTED_AHEAD_DRIVES);
      await Promise.all(drives.map((v) => this.ctx.dirs.fetch(v, v.remote.rootId)));
    }
  }

  async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    const { resolver } = this.ctx;
    let node = await resolver.resolve(path).catch((e) => (VfsError.is(e, 'ENOENT') ? undefined : Promise.reject(e)));
    if (node?.kind === 'dir') throw new VfsError('EISDIR', 'is a directory', path);
    if (node && flags.create && flags.exclusive) throw new VfsError('EEXIST', 'file exists', path);
    let created: StagedFile | undefined;
    if (!node) {
      if (!flags.create) throw new VfsError('ENOENT', 'no such file or directory', path);
      ({ node, created } = await this.createFile(path, flags.attrs));
    } else if (flags.write) {
      await writableVolume(this.ctx, node);
    }
    const file = this.files.openFileFor(node);
    // A new row's open file is new too: nothing else has staged it.
    if (created) file.created = created;
    file.refs++;
    if (flags.write) file.writers++;
    // Counted before the first wait, so undone on any failure after it: a writer counted and never
    // closed would keep the file's upload, and so a stop's drain, waiting for ever.
    try {
      if (flags.write && file.row) {
        await this.ctx.writeback.cancel(file.row.id);
        if (!this.ctx.journal.get(file.row.id)) await this.files.forgetUploadedRow(file);
      }
      if (flags.write && flags.truncate && file.size > 0) {
        const staged = await this.files.stage(file, true);
        await staged.truncate(0);
        file.modifiedAt = Date.now();
      }
    } catch (e) {
      await this.files.closeFile(file, { writer: flags.write });
      throw e;
    }
    return new VfsFileHandle(this.files, file, flags, node.path);
  }

  async mkdir(path: string, attrs?: PosixAttrs): Promise<NodeInfo> {
    return this.inFolders([parentOf(path)], async () => {
      const { parent, name } = await this.ctx.resolver.resolveParent(path);
      const volume = await writableVolume(this.ctx, parent);
      validateName(name, volume.remote.capabilities.maxNameBytes, path);
      if (await this.ctx.resolver.child(parent, name)) throw new VfsError('EEXIST', 'file exists', path);
      await makeDir(this.ctx, volume, parent.id!, name, attrs ? withPosixMeta(undefined, attrs) : undefined);
      return this.stat(path);
    });
  }

  rename(from: string, to: string, opts?: { overwrite?: boolean }): Promise<void> {
    return this.inFolders([parentOf(from), parentOf(to)], () => renameNode(this.ctx, from, to, opts?.overwrite ?? true));
  }

  copy(from: string, to: string, opts?: { overwrite?: boolean }): Promise<void> {
    return this.inFolders([parentOf(to)], () => copyNode(this.ctx, from, to, opts?.overwrite ?? true));
  }

  remove(path: string, opts?: { recursive?: boolean; permanent?: boolean }): Promise<void> {
    // The folder itself too: nothing is created in a folder while it is being removed.
    return this.inFolders([parentOf(path), folderKey(path)], () =>
      removeNode(this.ctx, path, { recursive: opts?.recursive ?? false, permanent: opts?.permanent ?? this.ctx.opts.deletePermanently }),
    );
  }

  setMtime(path: string, mtime: number): Promise<void> {
    return this.changeMeta(path, mtime);
  }

  setAttrs(path: string, attrs: PosixAttrs): Promise<void> {
    return this.changeMeta(path, msFromNs(attrs.mtime), attrs);
  }

  /** Sets mtime, and the POSIX attributes when given: on the pending upload if any, else on the server. */
  private async changeMeta(path: string, mtime: number, attrs?: PosixAttrs): Promise<void> {
    const node = await this.ctx.resolver.resolve(path);
    const noPlace = () => new VfsError('EPERM', 'drives, share links and the namespace folders have no attributes of their own', path);
    if (node.virtual) {
      if (attrs) throw noPlace();
      return;
    }
    const volume = await writableVolume(this.ctx, node);
    if (node.row) {
      const holds = new RowHolds(this.ctx);
      try {
        const settled = await holds.settle(() => this.ctx.resolver.resolve(path), node);
        if (settled.row) {
          const open = this.ctx.openFiles.byRow(settled.row.id);
          if (open) open.modifiedAt = undefined;
          this.ctx.journal.update(settled.row.id, { mtime, ...(attrs ? { userMeta: withPosixMeta(settled.row.userMeta, attrs) } : {}) });
          return;
        }
      } finally {
        holds.release();
      }
      return this.changeMeta(path, mtime, attrs);
    }
    if (!node.id || node.id === volume.remote.rootId || !node.entry) {
      if (attrs) throw noPlace();
      return;
    }
    updateEntry(this.ctx, volume, node.entry, { mtime, ...(attrs ? { userMeta: withPosixMeta(node.entry.userMeta, attrs) } : {}) });
  }

  async statfs(path: string): Promise<SpaceInfo> {
    const node = await this.ctx.resolver.resolve(path);
    const volume = node.volume ?? this.ctx.ns.volumes.find((v) => v.kind === 'drive');
    if (!volume) return { total: 0, used: 0, free: 0 };
    const cached = this.statfsCache.get(volume.id);
    if (cached && Date.now() - cached.at < 5000) return cached.space;
    // Offline: the last figures known (df keeps working), or none yet.
    const space = volume.remote.statfs().then(
      (s) => (this.lastSpace.set(volume.id, s), s),
      (err: unknown) => {
        if (!VfsError.is(toVfsError(err), 'EHOSTDOWN')) throw err;
        return this.lastSpace.get(volume.id) ?? { total: 0, used: 0, free: 0 };
      },
    );
    this.statfsCache.set(volume.id, { at: Date.now(), space });
    space.catch(() => this.statfsCache.delete(volume.id));
    return space;
  }

  /**
   * Waits until the namespace changes made offline are replayed and every upload is done; progress
   * counts both (pendingFiles: changes and files waiting). While PDS is unreachable it keeps probing.
   */
  async drain(onProgress?: (pendingFiles: number, pendingBytes: number) => void): Promise<void> {
    const { ops, reachability, writeback } = this.ctx;
    for (;;) {
      const waiting = ops.counts().pending;
      if (waiting === 0) {
        await writeback.drain(onProgress && ((files, bytes) => onProgress(files + ops.counts().pending, bytes)));
        if (ops.counts().pending === 0) return;
        continue;
      }
      const { pendingFiles, pendingBytes } = this.ctx.journal.stats();
      onProgress?.(pendingFiles + waiting, pendingBytes);
      if (!reachability.online) await reachability.check();
      await this.replayer.flush();
      if (ops.counts().pending === waiting) await new Promise((r) => setTimeout(r, 500));
    }
  }

  async close(): Promise<void> {
    this.poller.stop();
    // Offline, what waits stays in the journal and the op log for the next start.
    if (this.ctx.reachability.online) await this.drain();
    else this.ctx.logger.warn({ ...this.ctx.journal.stats(), changes: this.ctx.ops.counts().pending }, 'stopping while PDS is unreachable: the waiting changes are replayed at the next start');
    this.replayer.close();
    await this.ctx.writeback.close();
    await this.files.closed();
    await this.ctx.staging.close();
    await this.ctx.blocks.idle();
  }

  // ---- helpers ----

  /**
   * Runs a namespace change holding the folders whose entries it adds or removes: changes in one
   * folder run one after another (a name is checked and taken atomically), changes in other folders
   * (a slow server-side copy elsewhere) do not wait for them.
   */
  private inFolders<T>(folders: string[], fn: () => Promise<T>): Promise<T> {
    return this.ctx.dirLocks.runAll(folders, fn);
  }

  /** The node at path, made with its staging file (left open for the first write) unless another op made it meanwhile. */
  private async createFile(path: string, attrs: PosixAttrs | undefined): Promise<{ node: VNode; created?: StagedFile }> {
    return this.inFolders([parentOf(path)], async () => {
      const { parent, name } = await this.ctx.resolver.resolveParent(path);
      const volume = await writableVolume(this.ctx, parent);
      validateName(name, volume.remote.capabilities.maxNameBytes, path);
      const existing = await this.ctx.resolver.child(parent, name);
      if (existing) return { node: existing };
      const { path: stagingPath, handle } = await this.ctx.staging.createOpen();
      const now = attrs ? msFromNs(attrs.mtime) : Date.now();
      let row: JournalRow;
      try {
        // Under the folder's PDS id if it got one while this waited for its staging file (LocalIds).
        row = this.ctx.journal.add({
          volume: volume.id, parentId: parent.id!, name, stagingPath, size: 0, mtime: now, sha1: null,
          state: 'open', replaceId: null, notBefore: 0, userMeta: attrs ? withPosixMeta(undefined, attrs) : null,
        });
      } catch (err) {
        await handle.close();
        throw err;
      }
      const node: VNode = { path: `${parent.path === '/' ? '' : parent.path}/${name}`, name, kind: 'file', volume, parentId: row.parentId, row };
      return { node, created: StagedFile.created(stagingPath, handle) };
    });
  }
}

/** The lock key of a folder: its path, spelled as names are matched. */
function folderKey(path: string): string {
  return nameKey(posix.normalize(path).replace(/(.)\/+$/, '$1'));
}

function parentOf(path: string): string {
  return folderKey(posix.dirname(posix.normalize(path)));
}

/** Write-back over the stores: what an upload does to the cache, the open file and the op log. */
function newWriteback(ctx: VfsStores, foreground: ForegroundActivity): Writeback {
  const { ns, openFiles, dirs, blocks, staging, reachability: reach, ops } = ctx;
  return new Writeback({
    journal: ctx.journal,
    foreground,
    maxDirtyBytes: ctx.opts.maxDirtyBytes,
    ops,
    online: () => reach.online,
    whileOffline: () => void reach.check(),
    onConflict: (row, message) => ops.notice(row.volume, String(row.id), row.name, message),
    staging,
    volume: (id) => ns.volumes.find((v) => v.id === id),
    logger: ctx.logger,
    hasWriters: (rowId) => openFiles.hasWriters(rowId),
    complete: (rowId, signal) => completeStaged(ctx, rowId, signal),
    onUploaded: (row, entry) => {
      const volume = ns.volumes.find((v) => v.id === row.volume);
      if (volume) dirs.put(volume, entry);
      blocks.forget(row.volume, entry.id);
      const open = openFiles.byRow(row.id);
      // Still open for reading: it keeps its staging copy until closed, then reads the remote.
      if (open) open.entry = entry;
      return !open;
    },
    onFailed: (row, err) => {
      const open = openFiles.byRow(row.id);
      if (open) open.failure = row.lastError ?? 'upload failed';
      // Refused for permission: the file replaced, or the folder it was to go in, is read-only now.
      const volume = ns.volumes.find((v) => v.id === row.volume);
      if (volume && refusesPermission(err)) void ctx.readOnlyCheck.refused(volume, [row.replaceId ?? row.parentId]);
    },
  });
}
