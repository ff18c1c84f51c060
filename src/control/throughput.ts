// Bytes downloaded (block cache fetches from PDS) and uploaded (write-back) per interval, for the
// last ~10 minutes: counters are read at each tick and their differences kept in a ring.
export interface ThroughputSample {
  /** End of the interval, epoch ms. */
  at: number;
  downloadedBytes: number;
  uploadedBytes: number;
}

export interface ByteCounters {
  downloadedBytes: number;
  uploadedBytes: number;
}

export interface Throughput {
  intervalMs: number;
  samples: ThroughputSample[];
}

export class ThroughputSampler {
  private readonly samples: ThroughputSample[] = [];
  private last: ByteCounters;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly read: () => ByteCounters,
    readonly intervalMs = 10_000,
    private readonly keep = Math.ceil(600_000 / intervalMs),
  ) {
    this.last = read();
    this.timer = setInterval(() => this.tick(), intervalMs).unref();
  }

  snapshot(): Throughput {
    return { intervalMs: this.intervalMs, samples: [...this.samples] };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = this.read();
    this.samples.push({
      at: Date.now(),
      // Counters only grow; a negative step would mean a restarted source, counted as nothing.
      downloadedBytes: Math.max(0, now.downloadedBytes - this.last.downloadedBytes),
      uploadedBytes: Math.max(0, now.uploadedBytes - this.last.uploadedBytes),
    });
    this.last = now;
    if (this.samples.length > this.keep) this.samples.shift();
  }
}
