// The namespace changes of the tree operations (make a folder, move, remove, set attributes). Attribute
// changes always go to the op log. The others are sent to PDS at once while it is reachable and
// nothing waits before them; otherwise, or when PDS turns out to be unreachable on the way, recorded
// in the op log. What the op log holds shows in the local tree at once and is replayed in order
// (replay.ts): a change queued behind others waits for them even when online, so the order the user
// made them in is the order PDS sees.
import { randomUUID } from 'node:crypto';
import { LOCAL_ID_PREFIX, type NewOp } from '../cache/metadata/ops.js';
import { refusesPermission, toVfsError, VfsError } from '../core/errors.js';
import type { RemoteEntry } from '../core/remote.js';
import type { VfsContext } from './context.js';
import { seenBelow } from './folder-delete.js';
import type { Volume } from './volume.js';

/** Whether changes go to the op log now: PDS is unreachable, or earlier changes still wait. */
export function mustQueue(ctx: VfsContext): boolean {
  return !ctx.reachability.online || ctx.changes.pending;
}

/**
 * Before an operation that needs the server's own tree (a server-side copy): while PDS is reachable,
 * lets the waiting changes (often just attribute changes) reach it first.
 */
export async function replayedFirst(ctx: VfsContext): Promise<void> {
  if (ctx.reachability.online && ctx.changes.pending) await ctx.replay.flush();
}

/** Refuses an operation that needs PDS itself (a server-side copy) while changes are queued. */
export function needsServer(ctx: VfsContext, what: string, path: string): void {
  if (!ctx.reachability.online) throw new VfsError('EHOSTDOWN', `${what} needs PDS, which is unreachable`, path);
  if (ctx.changes.pending) throw new VfsError('EAGAIN', `${what} needs PDS; retry once the waiting changes are replayed`, path);
}

/**
 * Sends a change of the entries `changed` (ids: the folder a new entry goes in, or the entry changed
 * and, for a move, the folder it goes to). A refusal for permission marks them read-only in the
 * cache, so the next change there is refused without asking PDS.
 */
export async function sendChange<T>(ctx: VfsContext, volume: Volume, changed: readonly string[], send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (refusesPermission(toVfsError(err))) await ctx.readOnlyCheck.refused(volume, changed);
    throw err;
  }
}

/** sendChange, or, while PDS is unreachable or earlier changes wait, the change queued. */
async function sendOrQueue<T>(ctx: VfsContext, volume: Volume, changed: readonly string[], send: () => Promise<T>, queue: () => T): Promise<T> {
  if (!mustQueue(ctx)) {
    try {
      return await sendChange(ctx, volume, changed, send);
    } catch (err) {
      if (!VfsError.is(toVfsError(err), 'EHOSTDOWN')) throw err;
    }
  }
  return queue();
}

/** Queues a change and shows it in the local tree, in one transaction. */
function record(ctx: VfsContext, op: NewOp): void {
  ctx.ops.atomically(() => ctx.changes.apply(ctx.ops.add(op)));
  ctx.replay.kick();
}

export function makeDir(ctx: VfsContext, volume: Volume, folderId: string, name: string, userMeta: string | undefined): Promise<RemoteEntry> {
  const parentId = ctx.ops.currentId(folderId);
  return sendOrQueue(
    ctx,
    volume,
    [parentId],
    async () => {
      const entry = await volume.remote.createDir(parentId, name, userMeta !== undefined ? { userMeta } : {});
      ctx.dirs.put(volume, entry);
      ctx.dirs.markEmpty(volume, entry.id);
      return entry;
    },
    () => {
      const id = `${LOCAL_ID_PREFIX}${randomUUID()}`;
      record(ctx, { volume: volume.id, kind: 'mkdir', nodeId: id, parentId, name, mtime: Date.now(), ...(userMeta !== undefined ? { userMeta } : {}) });
      return ctx.store.get(volume.id, id)!;
    },
  );
}

/** Moves and/or renames an entry within its volume; EEXIST from PDS when the name is taken there. */
export function moveEntry(ctx: VfsContext, volume: Volume, moved: RemoteEntry, folderId: string, name: string): Promise<RemoteEntry> {
  // As PDS knows it now: the caller looked it up, then may have waited while the replay gave it,
  // or its folder, its PDS id (LocalIds); the stores map what they write themselves.
  const entry = ctx.ops.currentEntry(moved);
  const parentId = ctx.ops.currentId(folderId);
  return sendOrQueue(
    ctx,
    volume,
    parentId === entry.parentId ? [entry.id] : [entry.id, parentId],
    () => volume.remote.move(entry.id, parentId, name),
    () => {
      record(ctx, { volume: volume.id, kind: 'move', nodeId: entry.id, parentId, name, entry });
      return { ...entry, parentId, name };
    },
  );
}

/** Renames an entry in its folder (one update call, where a move would look the entry up first). */
export function renameEntry(ctx: VfsContext, volume: Volume, renamed: RemoteEntry, name: string): Promise<RemoteEntry> {
  const entry = ctx.ops.currentEntry(renamed);
  return sendOrQueue(
    ctx,
    volume,
    [entry.id],
    () => volume.remote.update(entry.id, { name }),
    () => {
      record(ctx, { volume: volume.id, kind: 'move', nodeId: entry.id, parentId: entry.parentId, name, entry });
      return { ...entry, name };
    },
  );
}

/** To the recycle bin (or deleted for good), and out of the caches. */
export function discardEntry(ctx: VfsContext, volume: Volume, discarded: RemoteEntry, permanent: boolean): Promise<void> {
  const entry = ctx.ops.currentEntry(discarded);
  return sendOrQueue(
    ctx,
    volume,
    [entry.id],
    async () => {
      if (permanent) await volume.remote.delete(entry.id);
      else await volume.remote.trash(entry.id);
      ctx.dirs.remove(volume, entry.id);
      ctx.blocks.forget(volume.id, entry.id);
    },
    // The cached blocks stay: a delete the server refuses at replay (the file changed there) shows it again.
    // A folder's seen subtree: replay removes only that, and keeps what the server gained meanwhile.
    () => record(ctx, { volume: volume.id, kind: 'remove', nodeId: entry.id, permanent, entry, ...(entry.kind === 'dir' ? { seen: seenBelow(ctx.store, volume.id, entry.id) } : {}) }),
  );
}

/**
 * Sets mtime and/or user_meta of an entry: recorded in the op log and shown at once, sent to PDS
 * in the background in order with the other changes (a touch, chmod or chown answers with no round
 * trip, as a local disk does; rsync sets them on every folder it makes).
 */
export function updateEntry(ctx: VfsContext, volume: Volume, entry: RemoteEntry, changes: { mtime: number; userMeta?: string }): void {
  record(ctx, { volume: volume.id, kind: 'meta', nodeId: entry.id, mtime: changes.mtime, ...(changes.userMeta !== undefined ? { userMeta: changes.userMeta } : {}), entry });
}
