// What the block cache reads from: one file revision's bytes as a stream, so a single ranged GET can
// feed many blocks.

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
   * Bytes [start, endInclusive] of the file, chunk by chunk in order (a Readable will do). Resolves
   * once the transfer started; the cache pauses reading when it is ahead of its readers
   * (backpressure), and ends the iteration early, and aborts `signal`, when it stops early.
   */
  open(file: CachedFile, start: number, endInclusive: number, signal?: AbortSignal): Promise<AsyncIterable<Buffer>>;
}
