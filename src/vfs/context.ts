// Everything the VFS operations share, built once by PdsVfs.open.
import type { Logger } from 'pino';
import type { BlockCache } from '../cache/blocks/block-cache.js';
import type { Journal } from '../cache/metadata/journal.js';
import type { MetadataStore } from '../cache/metadata/nodes.js';
import type { OpLog } from '../cache/metadata/ops.js';
import type { Reachability } from '../core/reachability.js';
import type { StagingFiles } from '../cache/staging/staging-files.js';
import type { DirCache } from './dir-cache.js';
import { VfsError } from '../core/errors.js';
import { KeyedLock } from './keyed-lock.js';
import type { LocalChanges } from './local-changes.js';
import type { Namespace } from './namespace.js';
import type { OpenFiles } from './open-file.js';
import type { Resolver, VNode } from './resolver.js';
import type { Volume } from './volume.js';
import type { ReadOnlyCheck } from './read-only-check.js';
import type { Writeback } from './writeback.js';

export interface VfsOptions {
  readOnly: boolean;
  deletePermanently: boolean;
  writeBackMs: number;
  dirCacheTtlMs: number;
  /** Folders listed at once ahead of a tree walk; 0 = none. */
  listPrefetch?: number;
  pollIntervalMs: number;
  maxDirtyBytes: number;
  /** NodeInfo.ino numbered (FUSE's st_ino); false: all 0 (InodeTable). Default true. */
  inodeNumbers?: boolean;
  /** How long an attribute change settles before it is sent (replay.ts's META_SETTLE_MS by default). */
  metaSettleMs?: number;
}

/**
 * The context without the queues that act on it (write-back, replay): what their callbacks close
 * over, so it exists before they are built.
 */
export interface VfsStores {
  readonly opts: VfsOptions;
  readonly ns: Namespace;
  readonly store: MetadataStore;
  readonly journal: Journal;
  /** Namespace changes waiting for replay (made offline, or queued behind an attribute change). */
  readonly ops: OpLog;
  /** Those changes as the local tree shows them. */
  readonly changes: LocalChanges;
  readonly reachability: Reachability;
  /** A folder made offline got its PDS id (the inode it had stays). */
  readonly onRekey: (volume: Volume, from: string, to: string) => void;
  readonly staging: StagingFiles;
  readonly blocks: BlockCache;
  readonly dirs: DirCache;
  readonly resolver: Resolver;
  readonly openFiles: OpenFiles;
  readonly logger: Logger;
  /** Per-folder locks (key: the folder's path) serializing namespace changes within a folder. */
  readonly dirLocks: KeyedLock;
  /** Asks the server again before refusing a change on an entry cached as read-only. */
  readonly readOnlyCheck: ReadOnlyCheck;
}

export interface VfsContext extends VfsStores {
  readonly writeback: Writeback;
  /** Replays the waiting namespace changes; kick() after adding one. */
  readonly replay: { kick(): void; flush(): Promise<void> };
}

/**
 * The volume of a node that may be changed, or EROFS / EACCES. The node is what changes: the folder
 * for a new entry in it, the entry itself for a change of it. A folder or file the server lets this
 * user only read (its entry's readOnly), or a drive root it refused a change in, is refused here,
 * before anything is queued.
 */
export async function writableVolume(ctx: VfsStores, node: VNode): Promise<Volume> {
  if (!node.volume) throw new VfsError('EACCES', 'drives/ and shares/ hold only drives and share links', node.path);
  if (ctx.opts.readOnly || node.volume.readOnly) throw new VfsError('EROFS', 'read-only', node.path);
  if (node.entry?.readOnly && (await ctx.readOnlyCheck.stillReadOnly(node))) {
    throw new VfsError('EROFS', 'read-only: PDS lets you only read this folder or file', node.path);
  }
  if (ctx.readOnlyCheck.rootReadOnly(node)) throw new VfsError('EROFS', 'read-only: PDS lets you only read this drive', node.path);
  return node.volume;
}
