// Whether the front-ends are busy right now (an rsync, a cp, a WebDAV client copying), and for how
// long they have been: the write-back holds its uploads back meanwhile, so their CPU (HTTP client,
// journal, the embedded server) does not come out of the foreground's; once quiet, the uploads go
// at full width. Busy means a rate of requests, not any request: a script asking every 100 ms
// whether its file is uploaded yet must not keep that upload waiting.

/** The window requests are counted in, and how long after the last busy one the foreground counts as quiet. */
const WINDOW_MS = 200;

/** Requests within one window that make it busy (100 a second; an rsync asks thousands). */
const BUSY_REQUESTS = 20;

export class ForegroundActivity {
  private windowStart = -Infinity;
  private inWindow = 0;
  /** When the rate last reached BUSY_REQUESTS. */
  private last = -Infinity;
  /** When the current busy stretch began (a busy window after a quiet gap starts a new one). */
  private since = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  /** A front-end request arrived (called on every one: cheap). */
  touch(): void {
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (++this.inWindow < BUSY_REQUESTS) return;
    if (now - this.last > WINDOW_MS) this.since = now;
    this.last = now;
  }

  /** Milliseconds until the foreground counts as quiet; 0 once it is. */
  quietIn(): number {
    return Math.max(0, this.last + WINDOW_MS - this.now());
  }

  /** Milliseconds the foreground has been busy without a quiet gap; 0 while quiet. */
  busyFor(): number {
    return this.quietIn() > 0 ? this.now() - this.since : 0;
  }
}
