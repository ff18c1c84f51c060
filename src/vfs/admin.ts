// What the daemon's control server, `pdsfs status` and the share commands use of a running VFS besides
// the file operations front-ends call: figures, the upload and change queues, the change feed on
// demand, the block cache, and where a path lives on PDS. Built by PdsVfs over its context.
import type { BlockCache } from '../cache/blocks/block-cache.js';
import type { JournalRow } from '../cache/metadata/journal.js';
import type { MetadataMeter } from '../cache/metadata/metadata-meter.js';
import { isLocalId, type Op, type OpCounts } from '../cache/metadata/ops.js';
import { VfsError } from '../core/errors.js';
import type { VfsContext } from './context.js';
import { mustQueue, needsServer, replayedFirst } from './namespace-writes.js';
import type { Volume } from './volume.js';

/** Pending/failed uploads, bytes uploaded since start and cache figures. */
export interface VfsStatus {
  pendingFiles: number;
  pendingBytes: number;
  failedFiles: number;
  sentBytes: number;
  /** Remote list calls so far. */
  listCalls: number;
  blocks: ReturnType<BlockCache['stats']>;
  /** The metadata cache's counters, the WAL checkpoints and restarts its worker thread ran, and 1 once that worker failed and SQLite checkpoints inside commits again. */
  metadata: ReturnType<MetadataMeter['snapshot']> & { checkpoints: number; walRestarts: number; checkpointFallbacks: number };
}

/** The first upload rows waiting (in flight first) and failed, and bytes sent of those in flight by row id. */
export interface UploadQueue {
  pending: JournalRow[];
  failed: JournalRow[];
  inFlight: ReadonlyMap<number, { done: number; total: number }>;
}

/** Whether PDS answers, and what waits for it. */
export interface OfflineStatus {
  online: boolean;
  /** Epoch ms of the last change between online and offline. */
  since: number;
  /** Namespace changes waiting, lost ones and conflicts kept (notices). */
  changes: OpCounts;
  /** Namespace changes replayed since start. */
  replayed: number;
}

/** The volume and remote id behind a namespace path. */
export interface Location {
  volume: Volume;
  id: string;
  kind: 'file' | 'dir';
  /** A pending upload: the id is that of the file it replaces, or none yet. */
  pending: boolean;
}

export interface VfsAdmin {
  status(): VfsStatus;
  /** At most `limit` rows of each kind: the counts are in status(). */
  uploads(limit: number): UploadQueue;
  offline(): OfflineStatus;
  /** Namespace changes waiting for replay, and the notices of lost changes and conflicts, newest first. */
  namespaceChanges(limit: number): { pending: Op[]; notices: Op[] };
  /** Applies the change feed now instead of at the next poll. */
  pollNow(): Promise<void>;
  /** Empties the block cache, memory and disk; the journal and staged writes are untouched. */
  clearBlockCache(): Promise<void>;
  /**
   * Share management and server-side saves need the PDS id of a path. With `forChange` (what the
   * caller then changes on PDS by id, for the error): first lets the namespace changes waiting reach
   * PDS, as that change must come after them (a folder made offline has its PDS id then); EHOSTDOWN
   * while PDS is unreachable, EAGAIN while changes still wait.
   */
  locate(path: string, opts?: { forChange?: string }): Promise<Location>;
}

/** The admin side of a PdsVfs: its context, the change feed's poll and the replayer's count. */
export function vfsAdmin(ctx: VfsContext, feed: { pollAll(): Promise<void> }, replayed: () => number): VfsAdmin {
  return {
    status: () => ({ ...ctx.journal.stats(), sentBytes: ctx.writeback.sentBytes, listCalls: ctx.dirs.listCalls, blocks: ctx.blocks.stats(), metadata: { ...ctx.store.meter.snapshot(), checkpoints: ctx.store.checkpoints.checkpoints, walRestarts: ctx.store.checkpoints.restarts, checkpointFallbacks: ctx.store.checkpoints.fallbacks } }),
    uploads: (limit) => ({ pending: ctx.journal.firstRows('pending', limit), failed: ctx.journal.firstRows('failed', limit), inFlight: ctx.writeback.progress }),
    offline: () => ({ online: ctx.reachability.online, since: ctx.reachability.since, changes: ctx.ops.counts(), replayed: replayed() }),
    namespaceChanges: (limit) => ({ pending: ctx.ops.pendingFirst(limit), notices: ctx.ops.notices(limit) }),
    pollNow: () => feed.pollAll(),
    clearBlockCache: () => ctx.blocks.clear(),
    locate: async (path, opts) => {
      if (opts?.forChange) await replayedFirst(ctx);
      const node = await ctx.resolver.resolve(path);
      if (!node.volume || !node.id) throw new VfsError(node.row ? 'EAGAIN' : 'EINVAL', node.row ? 'file is not uploaded yet' : 'not inside a drive or share', path);
      if (opts?.forChange && (mustQueue(ctx) || isLocalId(node.id))) needsServer(ctx, opts.forChange, path);
      if (isLocalId(node.id)) throw new VfsError('EAGAIN', 'the folder was made offline and is not on PDS yet', path);
      return { volume: node.volume, id: node.id, kind: node.kind, pending: !!node.row };
    },
  };
}
