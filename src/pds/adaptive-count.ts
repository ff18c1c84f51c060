// How many transfers to run at once when each connection is capped. Start with one; a probe adds
// one, and keeps it when that round (as many transfers as are allowed) moved at least half of what
// one more capped connection would add (from n to n + 1 at once: 1/2n more bytes per ms than the
// round before it, at n); then it probes again at once. A probe that does not pay steps back, and
// the next probe waits rounds at the count it stepped back to, twice as many after each probe that
// did not pay. Where more connections do not help (loopback, a slow reader, a busy CPU) their gain
// is noise of a few percent, so the count stays where it is but for a probe now and then; with a
// fixed 10% bar, noise let every lucky round add a stream, and a loopback read ended at 8 streams
// with more memory and fewer blocks kept on disk. One slow transfer (a shared machine, a slow
// server) does not fix the count for the rest of a long transfer, as a rule that settled for good
// would: the count is tried again later. Each round is compared with the one just before it, as
// the load on a shared machine drifts. A round also lasts at least minRoundMs, as many transfers as
// that takes: on a fast link (loopback: a 4 MiB segment in 20 ms) one transfer's time is mostly
// scheduling and GC noise, enough to clear even the bar of 50% now and then, and the count grew to
// 4-8 streams that cost the server CPU for no gain. Where one transfer has moved far more than any
// per-connection cap would let it (loopback, a fast LAN: `probeBelow`), there is no cap for another
// connection to get around: the count goes back to one and no probe is made, even when later rounds
// are slower (a busy CPU, GC), until one transfer moves under a quarter of that (a cap appeared). On a
// shared machine probes still cleared the bar now and then, above all while a new process warmed
// up, and each stream kept cost the server CPU the reader was short of.

/** Rounds the first probe after a probe that did not pay waits; doubled after each such probe. */
const FIRST_WAIT = 2;
/** The longest wait between probes, in rounds. */
const MAX_WAIT = 64;

export class AdaptiveCount {
  current = 1;
  private roundDone = 0;
  private roundBytes = 0;
  private roundStart: number;
  /** Bytes per ms of the last round before a probe, at the count the probe started from. */
  private baseline = 0;
  /** The round running is a probe (the count was just raised). */
  private probing = false;
  private wait = FIRST_WAIT;
  /** Rounds at this count before the next probe; the first round measures one transfer alone. */
  private untilProbe = 1;
  /** One transfer moved more than probeBelow, and none has since moved less than a quarter of it. */
  private fast = false;

  /**
   * `now` is the clock rounds are timed by (milliseconds). `minGain(n)` is the share a round at n + 1
   * must be faster than the round before at n: by default half of what one more capped connection
   * adds, 1/2n. Uploads, whose extra parts cost little where they do not help, pass a flat 10%.
   * A round ends once `current` transfers finished and at least `minRoundMs` passed. Once a round
   * moved more than `probeBelow` bytes per ms per transfer running, the count is one, with no probe,
   * until a round moves less than a quarter of that per transfer.
   */
  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
    private readonly minGain: (n: number) => number = (n) => 0.5 / n,
    private readonly minRoundMs = 0,
    private readonly probeBelow = Number.POSITIVE_INFINITY,
  ) {
    this.roundStart = now();
  }

  /** A transfer of `bytes` finished. */
  finished(bytes: number): void {
    this.roundBytes += bytes;
    const elapsed = this.now() - this.roundStart;
    if (++this.roundDone < this.current || elapsed < this.minRoundMs) return;
    const rate = this.roundBytes / Math.max(1, elapsed);
    const perTransfer = rate / this.current;
    if (perTransfer > this.probeBelow) this.fast = true;
    else if (perTransfer < this.probeBelow / 4) this.fast = false;
    this.roundDone = 0;
    this.roundBytes = 0;
    this.roundStart = this.now();
    if (this.fast) {
      // No cap in sight: one transfer does; looked at again after the next round.
      this.current = 1;
      this.probing = false;
      this.untilProbe = 1;
      return;
    }
    if (!this.probing) {
      this.baseline = rate;
      if (--this.untilProbe <= 0) this.probe();
    } else if (rate > this.baseline * (1 + this.minGain(this.current - 1))) {
      this.wait = FIRST_WAIT;
      this.baseline = rate;
      this.probe();
    } else {
      this.current--;
      this.probing = false;
      this.untilProbe = this.wait;
      this.wait = Math.min(MAX_WAIT, this.wait * 2);
    }
  }

  /** A transfer moved more than `probeBelow` bytes per ms (and none much less since): no cap to get around. */
  get uncapped(): boolean {
    return this.fast;
  }

  private probe(): void {
    if (this.current >= this.max) {
      this.probing = false;
      this.untilProbe = Number.POSITIVE_INFINITY;
      return;
    }
    this.current++;
    this.probing = true;
  }
}
