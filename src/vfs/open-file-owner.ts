// What an open file needs from the VFS (FileOwner): reading its remote content through the block
// cache, a staging copy made on the first write, the journal row committed on close (and fsynced on
// fsync), and its attributes while open. PdsVfs opens files and resolves names; this owns what
// happens to a file between open and the last close, as rclone's vfs/file.go does.
import type { JournalRow } from '../cache/metadata/journal.js';
import { toVfsError, VfsError } from '../core/errors.js';
import type { RemoteEntry } from '../core/remote.js';
import type { VfsContext } from './context.js';
import type { FileOwner } from './file-handle.js';
import { type InodeTable, nodeInfo } from './node-info.js';
import { OpenFile, OpenFiles } from './open-file.js';
import { nsFromMs, parsePosixMeta, withPosixMeta } from './posix-attrs.js';
import type { VNode } from './resolver.js';
import { newerVersion } from './server-version.js';
import { baseOf, openStaged } from './staged-base.js';
import type { StagedFile } from './staged-file.js';
import { bytesToLand } from './write-behind.js';
import type { NodeInfo } from './types.js';

export class OpenFileOwner implements FileOwner {
  /** Staging files still being closed after their last handle's release was answered (closed() waits for them). */
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly ctx: VfsContext,
    private readonly inodes: InodeTable,
  ) {
    // Writes answered before they land hold room on the cache disk that a look at it does not see yet.
    ctx.staging.space.countUnwritten(bytesToLand);
  }

  async readRemote(file: OpenFile, into: Buffer, position: number, length: number, readerId: string): Promise<number> {
    const e = file.entry;
    if (!e || position >= e.size) return 0;
    try {
      return await this.ctx.blocks.read({ volume: file.volume.id, fileId: e.id, revision: e.revision, size: e.size }, into, position, length, readerId);
    } catch (err) {
      throw await this.explainFailedRead(file, e, err);
    }
  }

  /**
   * A read fails for good once the server has another version of the file (before the change feed
   * said so). The cache and the open file learn the new version, so reading again gets it, and the
   * failed read says why.
   */
  private async explainFailedRead(file: OpenFile, e: RemoteEntry, err: unknown): Promise<unknown> {
    const now = await newerVersion(file.volume, e.id, e.revision);
    if (now === undefined) return err;
    if (now === null) {
      this.ctx.dirs.remove(file.volume, e.id);
      return new VfsError('ENOENT', 'the file was deleted on the server', undefined, { cause: err });
    }
    this.ctx.dirs.put(file.volume, now);
    if (file.entry === e) file.entry = now;
    return new VfsError('EIO', 'the file changed on the server while open; read it again for the new version', undefined, { cause: err });
  }

  async stage(file: OpenFile, empty: boolean): Promise<StagedFile> {
    if (file.staged) return file.staged;
    // FUSE runs several writes at once: the first write's staging is shared by all of them.
    file.staging ??= this.makeStaged(file, empty).finally(() => (file.staging = undefined));
    return file.staging;
  }

  private async makeStaged(file: OpenFile, empty: boolean): Promise<StagedFile> {
    const { journal, staging } = this.ctx;
    if (file.row) {
      file.staged = file.created ?? (await openStaged(this.ctx, file.row));
      file.created = undefined;
      return file.staged;
    }
    const entry = file.entry!;
    const oldKey = OpenFiles.keyOf(file.volume.id, entry.id, undefined);
    // The remote content is not copied now: the staging copy starts sparse over it (staged-file.ts).
    const fromBase = !empty && entry.size > 0;
    const stagingPath = await staging.create(fromBase ? entry.size : 0);
    file.row = journal.add({
      volume: file.volume.id,
      parentId: entry.parentId,
      name: entry.name,
      stagingPath,
      size: fromBase ? entry.size : 0,
      mtime: entry.mtime,
      sha1: fromBase ? (entry.contentHash ?? null) : null,
      state: 'open',
      replaceId: entry.id,
      base: fromBase ? baseOf(file.volume, entry) : null,
      userMeta: entry.userMeta ?? null,
      notBefore: 0,
    });
    this.ctx.openFiles.rekey(oldKey, OpenFiles.keyOf(file.volume.id, undefined, file.row.id));
    file.staged = await openStaged(this.ctx, file.row);
    return file.staged;
  }

  async roomFor(file: OpenFile, bytes: number): Promise<void> {
    const { journal, opts } = this.ctx;
    for (;;) {
      const { pendingFiles, pendingBytes } = journal.stats();
      const mine = file.row && file.row.state !== 'open' ? 1 : 0;
      if (pendingBytes <= opts.maxDirtyBytes || pendingFiles - mine <= 0) break;
      this.ctx.writeback.kick();
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.ctx.staging.space.claim(bytes).catch((err: unknown) => {
      throw toVfsError(err);
    });
  }

  async commit(file: OpenFile): Promise<void> {
    const staged = file.staged;
    // The upload reads the staging file by path: every write answered so far must be on it.
    if (staged) await staged.landed().catch((err: unknown) => this.keepFromUpload(file, err));
    const current = file.row && this.ctx.journal.get(file.row.id);
    if (!current) return; // deleted while open: nothing to upload
    const changed = file.modifiedAt !== undefined || current.state === 'open' || current.state === 'failed';
    if (!changed) return;
    // No fsync: the page cache holds the bytes and the WAL the row, which survives kill -9 (syncFile adds power loss).
    const offline = !this.ctx.reachability.online;
    file.row = this.ctx.journal.update(current.id, {
      // Written offline: the server's version it replaces, to tell a conflict at upload (JournalRow.expectRevision).
      expectRevision: current.expectRevision ?? (offline ? this.revisionReplaced(current) : null),
      // Uploaded after the namespace changes made before it (a folder made offline, a delete of its name).
      waitOp: this.ctx.ops.lastPendingId(),
      userMeta: file.modifiedAt === undefined ? current.userMeta : contentChanged(current.userMeta, file.modifiedAt),
      // An upload session belongs to the content it was opened for (its declared size, its parts).
      session: null,
      size: staged?.size ?? current.size,
      mtime: file.modifiedAt ?? current.mtime,
      sha1: staged ? staged.sha1() : current.sha1,
      base: staged ? staged.baseState() : current.base,
      state: 'dirty',
      attempts: 0,
      lastError: null,
      notBefore: Date.now() + this.ctx.opts.writeBackMs,
    });
    file.modifiedAt = undefined;
    file.failure = undefined;
  }

  async syncFile(file: OpenFile): Promise<void> {
    await this.commit(file);
    if (!file.row) return;
    // Also when this handle wrote nothing: an earlier close left the bytes unsynced.
    await (file.staged ? file.staged.sync() : this.ctx.staging.sync(file.row.stagingPath));
    await this.ctx.staging.durable();
    await this.ctx.journal.durable();
  }

  async closeFile(file: OpenFile, handle: { writer: boolean; readerId?: string }): Promise<void> {
    if (handle.readerId) this.ctx.blocks.forgetReader(handle.readerId);
    file.refs--;
    if (handle.writer) file.writers--;
    // Only a writer's close lets an upload start (the write-back waits for none but writers): a
    // reader's (rsync opens each file it wrote again, to chmod it) needs no look at the queue.
    const lastWriter = handle.writer && file.writers === 0;
    if (file.refs > 0) {
      if (lastWriter) this.ctx.writeback.kick();
      return;
    }
    this.ctx.openFiles.delete(OpenFiles.keyOf(file.volume.id, file.entry?.id, file.row?.id));
    const stagedPath = file.staged?.path;
    this.closeInBackground(file);
    const row = file.row && this.ctx.journal.get(file.row.id);
    // Deleted while open, or uploaded meanwhile (the row is gone): the staging copy is ours to drop.
    const orphan = file.detached ? stagedPath : file.row && !row ? file.row.stagingPath : undefined;
    if (orphan) await this.ctx.staging.remove(orphan).catch(() => undefined);
    if (lastWriter) this.ctx.writeback.kick();
  }

  async info(file: OpenFile, path: string): Promise<NodeInfo> {
    const node = await this.ctx.resolver.resolve(path).catch(() => undefined);
    if (node && this.openFileOf(node) === file) return this.describe(node);
    // Renamed or deleted while open (the path names another file now, or none): describe what the
    // handle itself holds.
    const vnode: VNode = { path, name: path.split('/').pop() ?? '', kind: 'file', volume: file.volume, ...(file.entry ? { entry: file.entry } : {}) };
    const held = nodeInfo(vnode, this.inodes, file, this.ctx.opts.readOnly);
    const mtime = file.modifiedAt ?? file.detachedMtime ?? held.mtime;
    return { ...held, size: file.size, mtime, ctime: held.ctime || mtime };
  }

  // ---- for PdsVfs ----

  /** A node's attributes, with what its open file holds (size and times of unsaved writes). */
  describe(node: VNode): NodeInfo {
    return nodeInfo(node, this.inodes, this.openFileOf(node), this.ctx.opts.readOnly || this.ctx.readOnlyCheck.rootReadOnly(node));
  }

  /** The node's open file: the one already open, or a new one (every handle of a file shares it). */
  openFileFor(node: VNode): OpenFile {
    const existing = this.openFileOf(node);
    if (existing) return existing;
    const file = new OpenFile(node.volume!, node.entry, node.row);
    this.ctx.openFiles.set(OpenFiles.keyOf(node.volume!.id, node.entry?.id, node.row?.id), file);
    return file;
  }

  /** The pending content of an open file was uploaded meanwhile: from now on it is the remote file. */
  async forgetUploadedRow(file: OpenFile): Promise<void> {
    const row = file.row!;
    this.ctx.openFiles.rekey(OpenFiles.keyOf(file.volume.id, undefined, row.id), OpenFiles.keyOf(file.volume.id, file.entry?.id, undefined));
    await this.closeStaged(file);
    file.row = undefined;
    await this.ctx.staging.remove(row.stagingPath).catch(() => undefined);
  }

  /** Resolves once every staging file whose last handle was released so far is closed. */
  async closed(): Promise<void> {
    while (this.closing.size > 0) await Promise.all(this.closing);
  }

  /**
   * The last release answers without waiting for the staging file's close: its bytes are on the
   * file already (close waited for them to land), an upload opens the file by path, and the trip
   * through libuv's pool cost each rsync'd file about 0.15 ms of waiting.
   */
  private closeInBackground(file: OpenFile): void {
    const done = this.closeStaged(file)
      .catch((err: unknown) => this.ctx.logger.warn({ err }, 'closing a staging file failed'))
      .finally(() => this.closing.delete(done));
    this.closing.add(done);
  }

  private async closeStaged(file: OpenFile): Promise<void> {
    await file.created?.close();
    file.created = undefined;
    await file.staged?.close();
    file.staged = undefined;
  }

  /**
   * A write that never reached the staging file: nothing is uploaded from it. The row goes back to
   * `open` (not uploaded; at the next start its content goes to the recovery folder, as a file being
   * written when pdsfs stopped) unless a later commit of a fresh copy (truncated, rewritten) replaces it.
   */
  private keepFromUpload(file: OpenFile, err: unknown): never {
    const row = file.row && this.ctx.journal.get(file.row.id);
    if (row && row.state !== 'open') file.row = this.ctx.journal.update(row.id, { state: 'open' });
    throw err;
  }

  /** The revision of the server file a pending row replaces, as this pdsfs last saw it ('' for a new name). */
  private revisionReplaced(row: JournalRow): string {
    return row.replaceId ? (this.ctx.store.get(row.volume, row.replaceId)?.revision ?? '') : '';
  }

  private openFileOf(node: VNode): OpenFile | undefined {
    if (!node.volume || node.kind !== 'file') return undefined;
    return this.ctx.openFiles.get(OpenFiles.keyOf(node.volume.id, node.entry?.id, node.row?.id));
  }
}

/** A content change sets mtime and ctime in the stored attributes, if the file has them. */
function contentChanged(userMeta: string | null, at: number): string | null {
  const attrs = parsePosixMeta(userMeta);
  return attrs ? withPosixMeta(userMeta, { ...attrs, mtime: nsFromMs(at), ctime: nsFromMs(at) }) : userMeta;
}
