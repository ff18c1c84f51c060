// Lists folders ahead of a walker. Against a distant server every listing costs a round trip, so a
// walk (ls -lR, find, rsync, a PROPFIND per folder) that lists one folder after another costs
// folders × round trips. The dir cache hands the folders a walker is about to read to this queue,
// which lists them in the background, a bounded number at a time; the walker then finds them listed
// or in flight (a listing in flight is shared), and a walk costs about depth × round trips. What
// is listed here triggers nothing further until a walker reads it, so it never crawls the tree.
import type { Volume } from './volume.js';

/**
 * Folders listed at once by default (`--list-prefetch`). Over a WAN-like link (40 ms a request) a
 * listing's round trip is about ten times the CPU its page costs here, so 8 at once left the walk
 * waiting on round trips: a cold walk of 100 folders of 100 files took 23.8 round trips through the
 * VFS and 22.4 through a running daemon's WebDAV, against 20.3 and 15.8 at 16 (2026-12-05). On
 * loopback 16 and 8 walk alike.
 */
export const LISTED_AT_ONCE = 16;

/** Child folders prefetched per listing read; a folder with more gets only its first ones ahead. */
export const MAX_PREFETCH_PER_LISTING = 256;

interface Job {
  volume: Volume;
  dirId: string;
}

/** Folders named together (one listing's), listed in their order. */
export type PrefetchBatch = Job[];

export class ListingPrefetch {
  /** Newest batch first. */
  private readonly batches: PrefetchBatch[] = [];
  private running = 0;

  constructor(
    /** Brings a listing into the cache (a no-op when fresh). */
    private readonly fetch: (volume: Volume, dirId: string) => Promise<void>,
    private readonly concurrency: number,
  ) {}

  /**
   * Lists these child folders in the background, in their order, before the batches added earlier:
   * a walker goes depth first, so the folders it just named are the ones it reads next (the children
   * of the folder it went into come before that folder's remaining siblings). `into`: a batch this
   * listing added before (a page earlier), which these join at its end while it still waits.
   */
  add(volume: Volume, dirIds: readonly string[], into?: PrefetchBatch): PrefetchBatch {
    if (this.concurrency <= 0) return [];
    const batch = into && this.batches.includes(into) ? into : [];
    if (batch !== into) this.batches.unshift(batch);
    for (const dirId of dirIds.slice(0, MAX_PREFETCH_PER_LISTING)) batch.push({ volume, dirId });
    this.pump();
    return batch;
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const job = this.next();
      if (!job) return;
      this.running++;
      // A failed prefetch costs nothing: the walker lists the folder itself and sees the error.
      void this.fetch(job.volume, job.dirId)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  private next(): Job | undefined {
    while (this.batches.length > 0) {
      const job = this.batches[0]!.shift();
      if (job) return job;
      this.batches.shift();
    }
    return undefined;
  }
}
