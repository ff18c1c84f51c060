// How many transfers to run at once when each connection is capped: start with one and add one
// each time a full round (as many transfers as are allowed) moved more than 10% more bytes per ms
// than the best round before, up to a bound. The first round that does not pay steps back to the
// count of the best round and stays there: where more connections do not help (loopback, a slow
// reader, a busy CPU) they only cost memory and CPU.
export class AdaptiveCount {
  current = 1;
  private settled = false;
  private roundDone = 0;
  private roundBytes = 0;
  private roundStart: number;
  private bestRate = 0;

  /** `now` is the clock rounds are timed by (milliseconds). */
  constructor(private readonly max: number, private readonly now: () => number = Date.now) {
    this.roundStart = now();
  }

  /** A transfer of `bytes` finished. */
  finished(bytes: number): void {
    this.roundBytes += bytes;
    if (this.settled || ++this.roundDone < this.current) return;
    const rate = this.roundBytes / Math.max(1, this.now() - this.roundStart);
    if (rate > this.bestRate * 1.1 && this.current < this.max) {
      this.bestRate = rate;
      this.current++;
    } else {
      if (rate <= this.bestRate * 1.1 && this.current > 1) this.current--;
      this.settled = true;
    }
    this.roundDone = 0;
    this.roundBytes = 0;
    this.roundStart = this.now();
  }
}
