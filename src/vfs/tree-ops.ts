// Namespace changes: rename, copy and remove, server-side wherever PDS allows. A pending (not yet
// uploaded) file is renamed by retargeting its journal row and deleted by cancelling its upload.
// Replacing an existing target never removes it before the new one is in place. While PDS is
// unreachable, moves and removes go to the op log (namespace-writes.ts) and are replayed later.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { JournalRow } from '../cache/metadata/journal.js';
import { type VfsContext, writableVolume } from './context.js';
import { VfsError } from '../core/errors.js';
import { splitPath, validateName } from './names.js';
import { OpenFiles } from './open-file.js';
import type { RemoteEntry } from '../core/remote.js';
import { isLocalId } from '../cache/metadata/ops.js';
import { discardEntry, moveEntry, mustQueue, needsServer, renameEntry, replayedFirst, sendChange } from './namespace-writes.js';
import type { VNode } from './resolver.js';
import { completeStaged, openStaged, privateCopy } from './staged-base.js';
import { StagedFile } from './staged-file.js';
import type { Volume } from './volume.js';

/** Pending rows whose uploads are held while a tree operation changes them. */
export class RowHolds {
  private readonly releases = new Map<number, () => void>();
  constructor(private readonly ctx: VfsContext) {}

  /**
   * Resolves a node (`first`: already resolved) with any upload of its pending content stopped.
   * After a stop the row is read again; only when the upload ended first (the row is gone, the name
   * is the remote file's now) is the node resolved again.
   */
  async settle<T extends VNode | undefined>(resolve: () => Promise<T>, first?: T): Promise<T> {
    let node = first ?? (await resolve());
    for (;;) {
      if (!node?.row || this.releases.has(node.row.id)) return node;
      const id = node.row.id;
      this.releases.set(id, await this.ctx.writeback.hold(id));
      const row = this.ctx.journal.get(id);
      node = row ? { ...node, row } : await resolve();
    }
  }

  /** Holds a pending row found under `node`; undefined when it was uploaded (and removed) meanwhile. */
  holdRow(node: VNode, row: JournalRow): Promise<VNode | undefined> {
    return this.settle(async () => (this.ctx.journal.get(row.id) ? { ...node, row } : undefined));
  }

  release(): void {
    for (const r of this.releases.values()) r();
    this.releases.clear();
  }
}

async function withHolds<T>(ctx: VfsContext, fn: (holds: RowHolds) => Promise<T>): Promise<T> {
  const holds = new RowHolds(ctx);
  try {
    return await fn(holds);
  } finally {
    holds.release();
  }
}

interface Target {
  volume: Volume;
  parent: VNode;
  name: string;
  existing: VNode | undefined;
}

async function resolveTarget(ctx: VfsContext, holds: RowHolds, src: VNode, to: string, overwrite: boolean, forCopy: boolean): Promise<Target> {
  const { parent, name } = await ctx.resolver.resolveParent(to);
  const volume = await writableVolume(ctx, parent);
  validateName(name, volume.remote.capabilities.maxNameBytes, to);
  if (src.kind === 'dir' && (parent.path + '/').startsWith(src.path === '/' ? '/' : src.path + '/')) {
    throw new VfsError('EINVAL', 'cannot move or copy a directory into itself', to);
  }
  let existing = await holds.settle(() => ctx.resolver.child(parent, name));
  if (existing && isSameNode(existing, src)) {
    if (forCopy) throw new VfsError('EINVAL', 'source and destination are the same', to);
    existing = undefined; // a rename to another spelling of the same name
  }
  if (existing) {
    if (!overwrite) throw new VfsError('EEXIST', 'destination exists', to);
    if (existing.kind === 'dir' && src.kind === 'file') throw new VfsError('EISDIR', 'destination is a directory', to);
    if (existing.kind === 'file' && src.kind === 'dir') throw new VfsError('ENOTDIR', 'destination is not a directory', to);
    if (!forCopy && existing.kind === 'dir' && (await ctx.resolver.children(existing)).length > 0) {
      throw new VfsError('ENOTEMPTY', 'destination directory is not empty', to);
    }
  }
  return { volume, parent, name, existing };
}

function isSameNode(a: VNode, b: VNode): boolean {
  if (a.volume !== b.volume) return false;
  if (a.row && b.row) return a.row.id === b.row.id;
  return a.id !== undefined && a.id === b.id;
}

function sourceOf(ctx: VfsContext, src: VNode): Promise<Volume> {
  if (!src.volume || src.parentId === undefined) throw new VfsError('EACCES', 'drives, share links and the root cannot be moved or removed', src.path);
  return writableVolume(ctx, src);
}

/** Forgets a pending upload (its content is being replaced or deleted); its upload is held. */
async function dropRow(ctx: VfsContext, node: VNode): Promise<void> {
  if (!node.row) return;
  ctx.journal.remove(node.row.id);
  if (!ctx.openFiles.byRow(node.row.id)) await ctx.staging.remove(node.row.stagingPath).catch(() => undefined);
}


/**
 * Puts a new remote entry at target.name. When a file is there already, the new one is placed under
 * a temporary name first and swapped in once it exists, so the name is never left empty by a failure.
 */
async function placeOver(ctx: VfsContext, t: Target, place: (name: string) => Promise<RemoteEntry>): Promise<RemoteEntry> {
  const old = t.existing;
  if (old) await dropRow(ctx, old);
  if (!old?.entry) return place(t.name);
  // A folder goes first; so do queued changes, replayed in order (a delete the server refuses then
  // leaves the name taken, and the move that follows keeps both under a conflict name).
  if (old.kind === 'dir' || mustQueue(ctx)) {
    await discardEntry(ctx, t.volume, old.entry, false);
    return place(t.name);
  }
  const placed = await place(`.pdsfs-${randomUUID().slice(0, 8)}.tmp`);
  await discardEntry(ctx, t.volume, old.entry, false);
  return renameEntry(ctx, t.volume, placed, t.name);
}

/** The volume a path is in (undefined for the namespace folders above the volumes, or none). */
function volumeAt(ctx: VfsContext, path: string): Volume | undefined {
  try {
    const loc = ctx.ns.locate(splitPath(path), path);
    return loc.kind === 'volume' ? loc.volume : undefined;
  } catch {
    return undefined;
  }
}

export function renameNode(ctx: VfsContext, from: string, to: string, overwrite: boolean): Promise<void> {
  return withHolds(ctx, (holds) => rename(ctx, holds, from, to, overwrite));
}

async function rename(ctx: VfsContext, holds: RowHolds, from: string, to: string, overwrite: boolean): Promise<void> {
  // Across volumes the server copies (below): the changes waiting before it go first.
  if (volumeAt(ctx, from) !== volumeAt(ctx, to)) await replayedFirst(ctx);
  const src = await holds.settle(() => ctx.resolver.resolve(from));
  const srcVolume = await sourceOf(ctx, src);
  const t = await resolveTarget(ctx, holds, src, to, overwrite, false);
  if (!t.existing && src.parentId === t.parent.id && src.volume === t.volume && src.name === t.name) return;

  if (src.row && (!src.entry || srcVolume !== t.volume)) {
    // Pending content moves with its journal row; the remote original (if any) leaves the old place.
    if (t.existing) await dropRow(ctx, t.existing);
    const replaceId = t.existing?.kind === 'file' ? t.existing.entry?.id ?? null : null;
    if (t.existing?.kind === 'dir' && t.existing.entry) await discardEntry(ctx, t.volume, t.existing.entry, false);
    if (src.entry) {
      // The staging copy may still read parts of the original, which is about to go.
      await completeStaged(ctx, src.row.id);
      await discardEntry(ctx, srcVolume, src.entry, false);
    }
    // An upload session already started belongs to the old name and place: start afresh. It waits
    // for the changes queued before it (a delete of the name it takes).
    // Written offline, it now replaces the target as the user saw it: that is the version to check at upload.
    const expectRevision = src.row.expectRevision === null ? null : (t.existing?.kind === 'file' ? t.existing.entry?.revision ?? '' : '');
    ctx.journal.update(src.row.id, {
      volume: t.volume.id, parentId: t.parent.id!, name: t.name, replaceId, session: null, waitOp: ctx.ops.lastPendingId(), expectRevision,
    });
    return;
  }
  const entry = src.entry!;
  let moved: RemoteEntry;
  if (srcVolume === t.volume) {
    moved = await placeOver(ctx, t, (name) => moveEntry(ctx, srcVolume, entry, t.parent.id!, name));
  } else {
    // Across volumes the server copies: not while changes wait (mv falls back to copying the bytes).
    if (mustQueue(ctx)) throw new VfsError('EXDEV', 'moving between drives needs PDS, which is unreachable or still replaying waiting changes', to);
    if (src.kind === 'dir') await refuseIfPendingInside(ctx, srcVolume, entry.id, from);
    moved = await placeOver(ctx, t, (name) => copyOnServer(ctx, srcVolume, entry, t, name));
    await discardEntry(ctx, srcVolume, entry, false);
  }
  ctx.dirs.put(t.volume, moved);
  if (src.row) ctx.journal.update(src.row.id, { parentId: t.parent.id!, name: moved.name, waitOp: ctx.ops.lastPendingId() });
}

export function copyNode(ctx: VfsContext, from: string, to: string, overwrite: boolean): Promise<void> {
  return withHolds(ctx, (holds) => copy(ctx, holds, from, to, overwrite));
}

async function copy(ctx: VfsContext, holds: RowHolds, from: string, to: string, overwrite: boolean): Promise<void> {
  await replayedFirst(ctx);
  const src = await ctx.resolver.resolve(from);
  if (src.virtual || !src.volume || src.parentId === undefined) throw new VfsError('EACCES', 'drives, share links and the root cannot be copied', from);
  const t = await resolveTarget(ctx, holds, src, to, overwrite, true);
  if (src.row) {
    // Pending content is copied locally and uploaded like any new file.
    await copyPendingRow(ctx, src.volume, src.entry?.id, src.row, t);
    ctx.writeback.kick();
    return;
  }
  const srcVolume = src.volume;
  const entry = src.entry!;
  // A server-side copy: of what the server has, into a folder it has.
  if (mustQueue(ctx) || isLocalId(entry.id) || isLocalId(t.parent.id!)) needsServer(ctx, 'copying on the server', to);
  // Files inside still waiting for upload are not on the server yet: hold them so none lands midway,
  // copy what the server has, then add the pending ones to the copy.
  const pending = src.kind === 'dir' ? pendingUnder(ctx, srcVolume, entry.id) : [];
  for (const p of pending) await holds.holdRow(src, p.row);
  const copied = await placeOver(ctx, t, (name) => copyOnServer(ctx, srcVolume, entry, t, name));
  ctx.dirs.put(t.volume, copied);
  for (const p of pending) {
    const row = ctx.journal.get(p.row.id);
    if (!row) continue;
    const parent = await ctx.resolver.resolve([to, ...p.dirs].join('/'));
    const existing = await ctx.resolver.child(parent, row.name);
    await copyPendingRow(ctx, srcVolume, undefined, row, { volume: t.volume, parent, name: row.name, existing });
  }
  if (pending.length > 0) ctx.writeback.kick();
}

/**
 * A server-side copy into the target folder. A refusal for permission marks that folder read-only
 * (the local server checks FILE.CREATE there; the recheck corrects the mark if PDS meant the source).
 */
function copyOnServer(ctx: VfsContext, srcVolume: Volume, entry: RemoteEntry, t: Target, name: string): Promise<RemoteEntry> {
  // The ids PDS knows now: the copy may have waited for uploads inside (LocalIds).
  const parentId = ctx.ops.currentId(t.parent.id!);
  return sendChange(ctx, t.volume, [parentId], () => srcVolume.remote.copy(ctx.ops.currentId(entry.id), parentId, name, t.volume.remote));
}

/** Adds a pending upload at the target with a private copy of a pending row's staged content. */
async function copyPendingRow(ctx: VfsContext, volume: Volume, entryId: string | undefined, row: JournalRow, t: Target): Promise<void> {
  const open = ctx.openFiles.get(OpenFiles.keyOf(volume.id, entryId, row.id));
  if (open?.staged) await open.staged.sync();
  await completeStaged(ctx, row.id);
  const stagingPath = await ctx.staging.fromStream(fs.createReadStream(row.stagingPath));
  if (t.existing) await dropRow(ctx, t.existing);
  if (t.existing?.kind === 'dir' && t.existing.entry) await discardEntry(ctx, t.volume, t.existing.entry, false);
  const size = await StagedFile.open(stagingPath).then(async (f) => (await f.close(), f.size));
  ctx.journal.add({
    volume: t.volume.id, parentId: t.parent.id!, name: t.name, stagingPath, size, mtime: row.mtime,
    sha1: size === row.size ? row.sha1 : null, state: 'dirty',
    replaceId: t.existing?.kind === 'file' ? t.existing.entry?.id ?? null : null, notBefore: 0, userMeta: row.userMeta,
  });
}

export function removeNode(ctx: VfsContext, path: string, opts: { recursive: boolean; permanent: boolean }): Promise<void> {
  return withHolds(ctx, (holds) => remove(ctx, holds, path, opts));
}

async function remove(ctx: VfsContext, holds: RowHolds, path: string, opts: { recursive: boolean; permanent: boolean }): Promise<void> {
  const node = await holds.settle(() => ctx.resolver.resolve(path));
  const volume = await sourceOf(ctx, node);
  if (node.kind === 'file') {
    const open = ctx.openFiles.get(OpenFiles.keyOf(volume.id, node.entry?.id, node.row?.id));
    if (open && !open.staged) {
      // An open handle keeps reading what it opened (POSIX unlink-while-open): give it a private copy.
      if (open.row) open.staged = await openStaged(ctx, open.row);
      else if (node.entry && node.entry.size > 0) open.staged = await privateCopy(ctx, volume, node.entry);
    }
    // A private copy still reading parts of the file being deleted gets them now.
    await open?.staged?.fillAll();
    await dropRow(ctx, node);
    if (node.entry) await discardEntry(ctx, volume, node.entry, opts.permanent);
    if (open) {
      open.detached = true;
      open.detachedMtime = open.modifiedAt ?? node.row?.mtime ?? node.entry?.mtime;
      open.row = undefined;
    }
    return;
  }
  const children = await ctx.resolver.children(node);
  if (children.length > 0 && !opts.recursive) throw new VfsError('ENOTEMPTY', 'directory not empty', path);
  for (const { row } of pendingUnder(ctx, volume, node.id!)) {
    const held = await holds.holdRow(node, row);
    if (held) await dropRow(ctx, held);
  }
  await discardEntry(ctx, volume, node.entry!, opts.permanent);
}

/** Pending journal rows anywhere below a directory (as far as the cache knows the subtree), each with its folder path relative to it. */
function pendingUnder(ctx: VfsContext, volume: Volume, dirId: string): { row: JournalRow; dirs: string[] }[] {
  const found = [];
  const queue: { id: string; dirs: string[] }[] = [{ id: dirId, dirs: [] }];
  for (let d = queue.pop(); d !== undefined; d = queue.pop()) {
    for (const row of ctx.journal.inDir(volume.id, d.id)) found.push({ row, dirs: d.dirs });
    for (const e of ctx.store.listing(volume.id, d.id)?.entries ?? []) if (e.kind === 'dir') queue.push({ id: e.id, dirs: [...d.dirs, e.name] });
  }
  return found;
}

async function refuseIfPendingInside(ctx: VfsContext, volume: Volume, dirId: string, path: string): Promise<void> {
  if (pendingUnder(ctx, volume, dirId).length > 0) {
    throw new VfsError('EXDEV', 'files inside are still uploading; retry the move across drives when they are done', path);
  }
}
