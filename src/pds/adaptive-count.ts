// How many transfers to run at once when each connection is capped: start at 2 and add one each
// time a full round (as many transfers as are allowed) moved more than 10% more bytes per ms than
// the best round before, up to a bound. Where more connections stop paying (loopback, a slow
// reader, a busy CPU) the count stays where it is.
export class AdaptiveCount {
  current: number;
  private roundDone = 0;
  private roundBytes = 0;
  private roundStart = Date.now();
  private bestRate = 0;

  constructor(private readonly max: number) {
    this.current = Math.min(2, Math.max(1, max));
  }

  /** A transfer of `bytes` finished. */
  finished(bytes: number): void {
    this.roundBytes += bytes;
    if (++this.roundDone < this.current) return;
    const rate = this.roundBytes / Math.max(1, Date.now() - this.roundStart);
    if (rate > this.bestRate * 1.1 && this.current < this.max) this.current++;
    this.bestRate = Math.max(this.bestRate, rate);
    this.roundDone = 0;
    this.roundBytes = 0;
    this.roundStart = Date.now();
  }
}
