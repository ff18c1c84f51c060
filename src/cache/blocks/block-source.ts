// What the block cache reads from: one file revision's bytes as a stream, so a single ranged GET can
// feed many blocks.
import type { Readable } from 'node:stream';

export interface CachedFile {
  volume: string;
  fileId: string;
  revision: string;
  size: number;
  /** An earlier revision of the file (its id on the server), read instead of the current content. */
  revisionId?: string;
}

export interface BlockSource {
  /**
   * Bytes [start, endInclusive] of the file, streamed in order. Resolves once the transfer started;
   * the cache pauses reading when it is ahead of its readers (backpressure) and destroys the
   * stream, or aborts `signal`, when it stops early.
   */
  open(file: CachedFile, start: number, endInclusive: number, signal?: AbortSignal): Promise<Readable>;
}
