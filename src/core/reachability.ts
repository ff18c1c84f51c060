// Whether PDS can be reached right now, tracked in one place. The PDS client reports transport
// failures and answers; while offline, calls that need the server fail at once (EHOSTDOWN) instead
// of retrying for half a minute, and a probe looks for the server with growing pauses. Layers above
// learn of each transition (write-back resumes, queued namespace changes replay).
import type { Logger } from '../shared/logger.js';

export interface ReachabilityOptions {
  logger?: Logger;
  /** First pause between probes while offline; doubled after each failed probe up to probeMaxMs. */
  probeMinMs?: number;
  probeMaxMs?: number;
  now?: () => number;
}

export type ReachabilityListener = (online: boolean) => void;

export class Reachability {
  private offlineAt: number | undefined;
  private onlineAt: number;
  private reason = '';
  private probe: (() => Promise<void>) | undefined;
  private probing: Promise<boolean> | undefined;
  private lastProbeAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private pause: number;
  private closed = false;
  private readonly listeners = new Set<ReachabilityListener>();
  private readonly now: () => number;
  /** Times the state changed (status, tests). */
  transitions = 0;
  /** Probes sent (tests). */
  probes = 0;

  constructor(private readonly o: ReachabilityOptions = {}) {
    this.now = o.now ?? Date.now;
    this.onlineAt = this.now();
    this.pause = o.probeMinMs ?? 1000;
  }

  get online(): boolean {
    return this.offlineAt === undefined;
  }

  /** Epoch ms of the last transition into the current state. */
  get since(): number {
    return this.offlineAt ?? this.onlineAt;
  }

  /** Why the server was last found unreachable (a network error code). */
  get lastReason(): string {
    return this.reason;
  }

  /** The one request that tells whether the server answers at all (any HTTP answer counts). */
  useProbe(probe: () => Promise<void>): void {
    this.probe = probe;
  }

  onChange(listener: ReachabilityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A request could not reach the server at all (refused, no route, no DNS answer). */
  unreachable(reason: string): void {
    this.reason = reason;
    if (this.offlineAt !== undefined || this.closed) return;
    this.offlineAt = this.now();
    this.transitions++;
    this.pause = this.o.probeMinMs ?? 1000;
    this.o.logger?.warn({ reason }, 'PDS is unreachable: working offline; changes wait in the journal and are replayed when it is back');
    this.schedule();
    this.emit(false);
  }

  /** The server answered (whatever the status). */
  reachable(): void {
    if (this.offlineAt === undefined) return;
    const offlineFor = this.now() - this.offlineAt;
    this.offlineAt = undefined;
    this.onlineAt = this.now();
    this.transitions++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.o.logger?.info({ offlineForMs: offlineFor }, 'PDS is reachable again: replaying the changes made offline');
    this.emit(true);
  }

  /**
   * A request failed in a way that may or may not mean the server is gone (a timeout, a reset):
   * one probe decides. Resolves whether it is reachable.
   */
  check(): Promise<boolean> {
    if (!this.probe) return Promise.resolve(this.online);
    if (!this.probing) {
      this.lastProbeAt = this.now();
      this.probes++;
    }
    this.probing ??= this.probe()
      .then(
        () => (this.reachable(), true),
        (err: unknown) => (this.unreachable(reasonOf(err)), false),
      )
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  /**
   * Someone needed the server while offline: probe now unless a probe ran within the first pause, so
   * a user's next action after the network returns finds it, not the next scheduled probe.
   */
  nudge(): void {
    if (!this.online && !this.probedLately()) void this.check();
  }

  /**
   * A request has waited longer than an answer takes: probe now (its short timeout decides), so a
   * network that drops packets without a refusal is found in seconds, not at the request's timeout.
   * A slow server still answers the probe, and its slow requests go on.
   */
  suspect(): void {
    if (this.online && !this.probedLately()) void this.check();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  /** A probe runs, or ran within the first pause. */
  private probedLately(): boolean {
    return !!this.probing || this.now() - this.lastProbeAt < (this.o.probeMinMs ?? 1000);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.closed || this.online || !this.probe) return;
    this.timer = setTimeout(() => {
      void this.check().then((ok) => {
        if (ok) return;
        this.pause = Math.min(this.pause * 2, this.o.probeMaxMs ?? 30_000);
        this.schedule();
      });
    }, this.pause).unref();
  }

  private emit(online: boolean): void {
    for (const l of [...this.listeners]) {
      try {
        l(online);
      } catch (err) {
        this.o.logger?.error({ err }, 'reachability listener failed');
      }
    }
  }
}

function reasonOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  return typeof e?.code === 'string' ? e.code : String(e?.message ?? err);
}
