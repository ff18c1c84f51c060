// Whether the front-ends are asking the VFS for things right now (an rsync, a cp, a WebDAV client),
// and for how long they have been: the write-back holds its uploads back meanwhile, so their CPU
// (HTTP client, journal, the embedded server) does not come out of the foreground's; once quiet, the
// uploads go at full width.

/** How long after the last request the foreground counts as busy (an rsync asks every millisecond or so). */
const QUIET_AFTER_MS = 200;

export class ForegroundActivity {
  private last = -Infinity;
  /** When the current busy stretch began (a request after a quiet gap starts a new one). */
  private since = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  /** A front-end request arrived (called on every one: cheap). */
  touch(): void {
    const now = this.now();
    if (now - this.last > QUIET_AFTER_MS) this.since = now;
    this.last = now;
  }

  /** Milliseconds until the foreground counts as quiet; 0 once it is. */
  quietIn(): number {
    return Math.max(0, this.last + QUIET_AFTER_MS - this.now());
  }

  /** Milliseconds the foreground has been busy without a quiet gap; 0 while quiet. */
  busyFor(): number {
    return this.quietIn() > 0 ? this.now() - this.since : 0;
  }
}
