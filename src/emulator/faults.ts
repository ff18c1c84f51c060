// Fault injection and network shaping for tests: added latency, a bandwidth cap per TCP connection,
// random 5xx, 429 with a retry hint, connections dropped mid-body on data transfers, and downloads
// that stall mid-body (a peer gone silent), a network that silently drops every packet, and moves,
// trashes, deletes and restores answered as async tasks that finish a little later, and answers lost
// after the server did the work. Applied to /v2 calls and data URLs (silence: to every path), never
// to /admin.
import { ConnectionThrottle } from './throttle.js';

export interface FaultSettings {
  rate5xx: number;
  rate429: number;
  /** Added before every request is answered (a round trip of a distant server). */
  latencyMs: number;
  /** Bytes per second per TCP connection for download and part-upload bodies and API answers; 0 = no cap. */
  netRatePerConnection: number;
  dropRate: number;
  /** Share of downloads that send half their bytes, then nothing while the connection stays open. */
  stallRate: number;
  retryAfterMs: number;
  /** Share of moves, trashes, deletes and restores answered with an async_task_id instead of done. */
  asyncRate: number;
  /** How long such a task stays Running before its change is applied. */
  asyncDelayMs: number;
  /**
   * 1: no request gets an answer, nor a refusal, while it stays 1 (packets dropped without a word);
   * each waits and is served once it is set back to 0. /admin still answers, to lift it.
   */
  silent: number;
}

export const DEFAULT_FAULTS: FaultSettings = { rate5xx: 0, rate429: 0, latencyMs: 0, netRatePerConnection: 0, dropRate: 0, stallRate: 0, retryAfterMs: 1000, asyncRate: 0, asyncDelayMs: 200, silent: 0 };

/**
 * Named network profiles. wan: a distant region behind a per-connection cap, the conditions under
 * which multi-stream reads, parallel parts and concurrent listings pay off. none: loopback as is.
 */
export const NET_PROFILES = {
  none: { latencyMs: 0, netRatePerConnection: 0 },
  wan: { latencyMs: 40, netRatePerConnection: 16 * 1024 * 1024 },
} as const satisfies Record<string, Pick<FaultSettings, 'latencyMs' | 'netRatePerConnection'>>;

export type NetProfile = keyof typeof NET_PROFILES;

/** Settings to change; a profile's values apply first, the other keys override them. */
export type FaultPatch = Partial<FaultSettings> & { netProfile?: NetProfile };

/** Keys that are shares of requests (0..1). */
const SHARES = new Set<keyof FaultSettings>(['rate5xx', 'rate429', 'dropRate', 'stallRate', 'asyncRate', 'silent']);

/** An injected failure answer. */
export interface InjectedError {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** What loseAnswers asked for one request key. */
interface LostAnswers {
  count: number;
  silentAfter: boolean;
}

export class Faults {
  private current: FaultSettings = { ...DEFAULT_FAULTS };
  /** Paces bodies at netRatePerConnection. */
  readonly throttle = new ConnectionThrottle(() => this.current.netRatePerConnection);
  /** Requests held by the silence: since start, and held now (a test checks its fault fired). */
  readonly silenced = { total: 0, now: 0 };
  /** Faults injected since start, by kind (a test checks its faults fired). */
  readonly fired = { http429: 0, http5xx: 0, drops: 0, stalls: 0, lostAnswers: 0 };
  /** Answers to lose, by request key (see loseAnswers). */
  private readonly losing = new Map<string, LostAnswers>();
  private lifted: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(initial: FaultPatch = {}) {
    this.set(initial);
  }

  get settings(): FaultSettings {
    return { ...this.current };
  }

  /** Merges valid values; throws on a value out of range. */
  set(patch: FaultPatch): void {
    const { netProfile, ...values } = patch;
    if (netProfile !== undefined && !Object.hasOwn(NET_PROFILES, netProfile)) {
      throw new Error(`netProfile must be one of ${Object.keys(NET_PROFILES).join(', ')}`);
    }
    const next = { ...this.current, ...(netProfile ? NET_PROFILES[netProfile] : {}) };
    for (const [key, value] of Object.entries(values) as [keyof FaultSettings, unknown][]) {
      if (value === undefined) continue;
      if (!(key in DEFAULT_FAULTS)) throw new Error(`unknown fault setting ${key}`);
      const isRate = SHARES.has(key);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (isRate && value > 1)) {
        throw new Error(`fault setting ${key} must be a number${isRate ? ' between 0 and 1' : ' >= 0'}`);
      }
      next[key] = value;
    }
    this.current = next;
    if (next.silent > 0) {
      if (!this.lifted) {
        let resolve = () => {};
        const promise = new Promise<void>((r) => (resolve = r));
        this.lifted = { promise, resolve };
      }
    } else {
      this.lifted?.resolve();
      this.lifted = undefined;
    }
  }

  /** Waits while the network is silent (every path but /admin). */
  async silence(): Promise<void> {
    if (!this.lifted) return;
    this.silenced.total++;
    this.silenced.now++;
    try {
      await this.lifted.promise;
    } finally {
      this.silenced.now--;
    }
  }

  /** Waits the configured latency, then maybe picks an error to answer with instead of the real one. */
  async before(): Promise<InjectedError | undefined> {
    const f = this.current;
    if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.rate429 > 0 && Math.random() < f.rate429) {
      this.fired.http429++;
      return {
        status: 429,
        code: 'TooManyRequests',
        message: 'Too many requests, please retry later.',
        headers: { 'retry-after': String(Math.max(1, Math.ceil(f.retryAfterMs / 1000))), 'x-retry-after': String(f.retryAfterMs) },
      };
    }
    if (f.rate5xx > 0 && Math.random() < f.rate5xx) {
      this.fired.http5xx++;
      return Math.random() < 0.5
        ? { status: 500, code: 'InternalError', message: 'Internal server error (injected).', headers: {} }
        : { status: 503, code: 'ServiceUnavailable', message: 'Service unavailable (injected).', headers: {} };
    }
    return undefined;
  }

  /** Should this data transfer be cut mid-body? */
  drop(): boolean {
    const cut = this.current.dropRate > 0 && Math.random() < this.current.dropRate;
    if (cut) this.fired.drops++;
    return cut;
  }

  /** The delay of the async task this mutation should become, or undefined to do it at once. */
  asyncDelay(): number | undefined {
    const f = this.current;
    return f.asyncRate > 0 && Math.random() < f.asyncRate ? f.asyncDelayMs : undefined;
  }

  /**
   * The next `count` requests to `key` (an API path such as '/v2/file/complete', or 'PUT part') are
   * done by the server, and then their answer is lost: a 503 comes back instead, as from a gateway
   * whose upstream connection broke. `silentAfter`: the network then goes silent (silent: 1), as a
   * link that died just after the request arrived.
   */
  loseAnswers(key: string, count: number, opts: { silentAfter?: boolean } = {}): void {
    if (!Number.isInteger(count) || count < 0) throw new Error('count must be a whole number >= 0');
    if (count === 0) this.losing.delete(key);
    else this.losing.set(key, { count, silentAfter: opts.silentAfter ?? false });
  }

  /** Whether this request's answer is to be lost (one of loseAnswers' count, taken now), and how. */
  takeLostAnswer(key: string): { silentAfter: boolean } | undefined {
    const lose = this.losing.get(key);
    if (!lose) return undefined;
    if (--lose.count === 0) this.losing.delete(key);
    this.fired.lostAnswers++;
    return { silentAfter: lose.silentAfter };
  }

  /** Should this download go silent mid-body? */
  stall(): boolean {
    const cut = this.current.stallRate > 0 && Math.random() < this.current.stallRate;
    if (cut) this.fired.stalls++;
    return cut;
  }
}
