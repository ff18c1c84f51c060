// The runs in progress, and how a miss or a read-ahead gets one: the run already streaming up to
// that block continues (same GET), else a new run starts, streaming on to the end of the file for a
// sequential reader and covering just the wanted blocks otherwise. At most MAX_STREAMS runs stream
// at once; past that a paused one is closed to make room.
import { BlockRun, type RunHost } from './block-run.js';
import type { BlockSource, CachedFile } from './block-source.js';

const MAX_STREAMS = 16;

export interface RunsOptions {
  /** A run waiting for its readers this long ends its GET. */
  idleMs: number;
  /** A run started its GET; `done` settles when it ended. */
  onStart: (done: Promise<void>) => void;
}

export class Runs {
  private readonly all = new Set<BlockRun>();
  /** The runs that stream on ahead of their readers (a subset of all). */
  private readonly streams = new Set<BlockRun>();

  constructor(private readonly host: RunHost, private readonly source: BlockSource, private readonly opts: RunsOptions) {}

  /**
   * Claims blocks [from, upTo], all missing and wanted by a reader. With aheadTo past upTo (a
   * sequential reader) the run streams on, claiming up to aheadTo for now.
   */
  fetch(file: CachedFile, from: number, upTo: number, aheadTo: number, lastBlock: number): void {
    const limit = Math.max(upTo, aheadTo);
    const run = this.continuingAt(file, from);
    if (run) return run.extend(limit, upTo);
    const streaming = aheadTo > upTo && this.roomForStream();
    this.start(file, from, streaming ? lastBlock : upTo, limit, upTo, streaming);
  }

  /** Read-ahead: claims blocks from `from` (missing) up to `to` in a streaming run, as far as the budget allows. */
  streamFrom(file: CachedFile, from: number, to: number, lastBlock: number): void {
    const run = this.continuingAt(file, from);
    if (run) return run.extend(to);
    if (this.roomForStream()) this.start(file, from, lastBlock, to, -1, true);
  }

  /** The read-ahead budget may have room again: paused runs claim up to their limits. */
  resume(): void {
    for (const run of this.all) run.resume();
  }

  /** Runs of a file (any revision) claim nothing more. */
  closeFile(volume: string, fileId: string): void {
    for (const run of this.all) if (run.file.volume === volume && run.file.fileId === fileId) run.close();
  }

  closeAll(): void {
    for (const run of this.all) run.close();
  }

  private start(file: CachedFile, first: number, last: number, limit: number, forcedUpTo: number, streaming: boolean): void {
    const run = new BlockRun(this.host, this.source, file, first, last, { limit, forcedUpTo, idleMs: this.opts.idleMs });
    if (run.pending === 0) {
      run.close(); // nothing claimable (read-ahead over budget): it ends without a GET
      return;
    }
    this.all.add(run);
    if (streaming) this.streams.add(run);
    this.opts.onStart(
      run.done.finally(() => {
        this.all.delete(run);
        this.streams.delete(run);
      }),
    );
  }

  private roomForStream(): boolean {
    let open = 0;
    let paused: BlockRun | undefined;
    for (const run of this.streams) {
      if (!run.open) continue;
      open++;
      paused ??= run.waiting ? run : undefined;
    }
    if (open < MAX_STREAMS) return true;
    paused?.close();
    return paused !== undefined;
  }

  private continuingAt(file: CachedFile, index: number): BlockRun | undefined {
    for (const run of this.all) {
      const f = run.file;
      if (f.volume === file.volume && f.fileId === file.fileId && f.revision === file.revision && f.size === file.size && run.continuesAt(index)) return run;
    }
    return undefined;
  }
}
