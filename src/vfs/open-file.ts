// One open file, shared by every handle on it, so a write through one handle is what another reads.
// Content comes from the staging copy once there is one (pending writes), else from the block cache.
import type { JournalRow } from '../cache/metadata/journal.js';
import type { RemoteEntry } from '../core/remote.js';
import type { StagedFile } from './staged-file.js';
import type { Volume } from './volume.js';

export class OpenFile {
  refs = 0;
  writers = 0;
  staged: StagedFile | undefined;
  /** The staging copy being made (single flight). */
  staging: Promise<StagedFile> | undefined;
  /**
   * The staging file made with a new file, still open: the first write takes it as `staged` instead
   * of opening it again (two trips to the thread pool fewer per small file). Until then the file
   * has no staged copy, as one that is never written.
   */
  created: StagedFile | undefined;
  /** Last write not yet committed to the journal (epoch ms). */
  modifiedAt: number | undefined;
  /** Deleted while open: the handles read a private staging copy, dropped at the last close. */
  detached = false;
  /** The mtime the file had when it was deleted while open (stat on the handle still shows it). */
  detachedMtime: number | undefined;
  /** A write-back failure to report at the next flush. */
  failure: string | undefined;

  constructor(
    readonly volume: Volume,
    /** Remote content the file started from, if any. */
    public entry: RemoteEntry | undefined,
    /** Journal row holding the pending content, if any. */
    public row: JournalRow | undefined,
  ) {}

  get size(): number {
    return this.staged?.size ?? this.row?.size ?? this.entry?.size ?? 0;
  }
}

/** Open files by identity: a remote file id, or a journal row for files that exist only locally. */
export class OpenFiles {
  private readonly byKey = new Map<string, OpenFile>();

  static keyOf(volumeId: string, entryId: string | undefined, rowId: number | undefined): string {
    return rowId !== undefined ? `${volumeId}|row|${rowId}` : `${volumeId}|id|${entryId}`;
  }

  get(key: string): OpenFile | undefined {
    return this.byKey.get(key);
  }

  set(key: string, file: OpenFile): void {
    this.byKey.set(key, file);
  }

  /** Re-keys a file once it gained a journal row (first write to a remote file). */
  rekey(oldKey: string, newKey: string): void {
    const f = this.byKey.get(oldKey);
    if (!f) return;
    this.byKey.delete(oldKey);
    this.byKey.set(newKey, f);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }

  byRow(rowId: number): OpenFile | undefined {
    for (const f of this.byKey.values()) if (f.row?.id === rowId) return f;
    return undefined;
  }

  hasWriters(rowId: number): boolean {
    return (this.byRow(rowId)?.writers ?? 0) > 0;
  }
}
