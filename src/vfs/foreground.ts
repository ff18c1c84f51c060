// Whether the front-ends are asking the VFS for things right now (an rsync, a cp, a WebDAV client):
// the write-back runs fewer uploads at once meanwhile, so their CPU (HTTP client, journal, the
// embedded server) does not come out of the foreground's; once quiet, the uploads go at full width.

/** How long after the last request the foreground counts as busy (an rsync asks every millisecond or so). */
const QUIET_AFTER_MS = 200;

export class ForegroundActivity {
  private last = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  /** A front-end request arrived (called on every one: cheap). */
  touch(): void {
    this.last = this.now();
  }

  /** Milliseconds until the foreground counts as quiet; 0 once it is. */
  quietIn(): number {
    return Math.max(0, this.last + QUIET_AFTER_MS - this.now());
  }
}
