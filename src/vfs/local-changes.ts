// The namespace changes waiting for replay, as the local tree shows them: each is applied to the
// metadata cache when it is made, and laid over it again whenever a listing or the change feed has
// brought in the server's view (which does not have them yet), so nothing the user did seems undone.
import type { MetadataStore } from '../cache/metadata/nodes.js';
import type { Op, OpLog } from '../cache/metadata/ops.js';
import type { RemoteEntry } from '../core/remote.js';

export class LocalChanges {
  constructor(
    private readonly store: MetadataStore,
    private readonly ops: OpLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether any change waits for replay. */
  get pending(): boolean {
    return this.ops.counts().pending > 0;
  }

  /** Shows one change in the cached tree. */
  apply(op: Op): void {
    this.ops.atomically(() => this.applyOne(op));
  }

  /** Lays the waiting changes (those `which` picks, or all) over the cached tree again, oldest first. */
  reapply(which?: (op: Op) => boolean): void {
    if (!this.pending) return;
    this.ops.atomically(() => {
      for (const op of this.ops.pending()) if (!which || which(op)) this.applyOne(op);
    });
  }

  /** After a listing of a folder came in: the changes it can have undone (moves into it, changes of what it lists). */
  reapplyListing(volume: string, dirId: string): void {
    this.reapply((op) => op.volume === volume && (op.parentId === dirId || this.store.get(volume, op.nodeId)?.parentId === dirId));
  }

  private applyOne(op: Op): void {
    const v = op.volume;
    switch (op.kind) {
      case 'mkdir': {
        const at = op.mtime ?? op.createdAt;
        const entry: RemoteEntry = { id: op.nodeId, parentId: op.parentId!, name: op.name!, kind: 'dir', size: 0, mtime: at, ctime: at, revision: '' };
        if (op.userMeta !== null) entry.userMeta = op.userMeta;
        this.store.upsert(v, entry);
        this.store.ensureListing(v, op.nodeId, this.now());
        return;
      }
      case 'move': {
        const current = this.store.get(v, op.nodeId) ?? op.entry;
        if (current) this.store.upsert(v, { ...withoutVolume(current), parentId: op.parentId!, name: op.name! });
        return;
      }
      case 'remove':
        this.store.remove(v, op.nodeId);
        return;
      case 'meta': {
        const current = this.store.get(v, op.nodeId);
        if (!current) return;
        const next: RemoteEntry = { ...withoutVolume(current), ...(op.mtime !== null ? { mtime: op.mtime } : {}) };
        if (op.userMeta !== null) next.userMeta = op.userMeta;
        this.store.upsert(v, next);
        return;
      }
      case 'upload':
        return;
    }
  }
}

function withoutVolume(e: RemoteEntry & { volume?: string }): RemoteEntry {
  const { volume: _volume, ...entry } = e;
  return entry;
}
