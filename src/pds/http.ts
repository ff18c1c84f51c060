// The one request pipeline for PDS /v2 calls: auth headers, request-id capture, token refresh on
// 401, retries with backoff, logging without secrets. Signed-URL traffic (upload/download) reuses
// the same axios instance, keep-alive agents and transport retry loop (retrying). Calls with large
// answers (a `shape`) have their exchange and parse made by the answer worker when it is up.
import type { AxiosInstance, AxiosResponse } from 'axios';
import { answerText, pdsAxios, type PdsAxios } from './axios-instance.js';
import { shapeAnswer, type AnswerShape, type ChangesPage, type EntryPage } from './answer-shapes.js';
import { AnswerWorker, type AnswerReply, type AnswerWorkerOptions } from './answer-worker.js';
import type { Reachability } from '../core/reachability.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import { PdsError, pdsErrorFromNetwork, pdsErrorFromResponse } from './errors.js';
import { DEFAULT_RETRY, mayRetryAgain, retryDelay, shouldRetry, sleep, throwIfAborted, type RetryOptions } from './retry.js';

/** Supplies bearer tokens (auth.ts). */
export interface AccessTokenProvider {
  getToken(signal?: AbortSignal): Promise<string>;
  /** The server rejected `rejected`: a fresh token, or undefined when none can be had. */
  renew(rejected: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Why no token can be had now (a dead login), for status; undefined while tokens come. */
  problem?(): string | undefined;
}

/** Supplies x-share-token values (share-tokens.ts). */
export interface ShareTokenProvider {
  get(shareId: string, signal?: AbortSignal): Promise<string>;
  renew(shareId: string, rejected: string, signal?: AbortSignal): Promise<string>;
}

/**
 * bearer: Authorization required. none: anonymous endpoints. { shareId }: x-share-token for that
 * share only, as the official JS SDK sends on share reads; with `bearer`, the Authorization too
 * where it is documented (file/copy out of a share into the user's drive).
 */
export type CallAuth = 'bearer' | 'none' | { shareId: string; bearer?: boolean };

export interface CallOptions {
  auth?: CallAuth;
  /** Safe to repeat after an ambiguous failure (5xx, reset, timeout). Default false. */
  idempotent?: boolean;
  /** application/x-www-form-urlencoded instead of JSON (oauth/token). */
  form?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** What a call with a large answer receives, by the shape it asked for. */
export type Shaped<S extends AnswerShape> = S extends 'entries' ? EntryPage : ChangesPage;

export interface PdsHttpOptions {
  endpoint: string;
  logger?: Logger;
  retry?: Partial<RetryOptions>;
  /** Per API call; default 60 s. */
  timeoutMs?: number;
  maxSockets?: number;
  /** Told of transport failures and answers; while offline, calls fail at once with HostDown. */
  reachability?: Reachability;
  /** Settings of the answer worker, or false to parse every answer on the main thread. */
  answerWorker?: AnswerWorkerOptions | false;
}

const TOKEN_REJECTED = new Set(['AccessTokenInvalid', 'AccessTokenExpired', 'TokenExpired']);
/** An API call without an answer this long has a probe check that the server is still there. */
const SLOW_ANSWER_MS = 2000;
/** The probe: any HTTP answer within this counts (it is one small request, answered at once by a live endpoint). */
const PROBE_TIMEOUT_MS = 3000;

export class PdsHttp {
  readonly axios: AxiosInstance;
  readonly logger: Logger;
  readonly retry: RetryOptions;
  readonly endpoint: string;
  /** Connections at once per host, of each agent (the API's, the answer worker's, downloads'). */
  readonly maxSockets: number;
  /** Where calls with a `shape` go when it is up; undefined when disabled. */
  readonly answerWorker: AnswerWorker | undefined;
  private readonly timeoutMs: number;
  private readonly client: PdsAxios;
  private tokens: AccessTokenProvider | undefined;
  private shareTokens: ShareTokenProvider | undefined;
  readonly reachability: Reachability | undefined;

  constructor(opts: PdsHttpOptions) {
    this.reachability = opts.reachability;
    this.endpoint = opts.endpoint.replace(/\/+$/, '');
    this.logger = opts.logger ?? silentLogger();
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.maxSockets = opts.maxSockets ?? 16;
    this.client = pdsAxios(this.maxSockets);
    this.axios = this.client.axios;
    this.answerWorker = opts.answerWorker === false ? undefined : new AnswerWorker(this.maxSockets, opts.answerWorker);
    this.reachability?.useProbe(() => this.probe());
  }

  useTokens(tokens: AccessTokenProvider): void {
    this.tokens = tokens;
  }

  useShareTokens(shareTokens: ShareTokenProvider): void {
    this.shareTokens = shareTokens;
  }

  /** POST /v2-style `path` with `body`; resolves the parsed JSON answer or throws PdsError. */
  call<T>(path: string, body: object, opts: CallOptions = {}): Promise<T> {
    return this.request<T>(path, body, opts, undefined);
  }

  /**
   * `call` for a large answer, parsed into `shape`. With `offThread`, by the answer worker when it is
   * up (and started when not); without, on this thread (an answer usually small, or one of many small
   * ones, which should not start a worker).
   */
  callShaped<S extends AnswerShape>(path: string, body: object, shape: S, opts: CallOptions & { offThread: boolean }): Promise<Shaped<S>> {
    return this.request<Shaped<S>>(path, body, opts, shape, opts.offThread);
  }

  private async request<T>(path: string, body: object, opts: CallOptions, shape: AnswerShape | undefined, offThread = false): Promise<T> {
    const auth = opts.auth ?? 'bearer';
    const shareId = typeof auth === 'object' ? auth.shareId : undefined;
    const wantsBearer = auth === 'bearer' || (typeof auth === 'object' && auth.bearer === true);
    let renewedBearer = false;
    let renewedShare = false;
    let bearer: string | undefined;
    let shareToken: string | undefined;
    return this.retrying<T>(
      { path },
      async () => {
        const headers: Record<string, string> = {};
        if (wantsBearer) {
          if (!this.tokens) throw new PdsError({ status: 401, code: 'AccessTokenInvalid', message: 'no credentials configured', sent: false });
          bearer = await this.tokens.getToken(opts.signal);
          headers.authorization = `Bearer ${bearer}`;
        }
        if (shareId !== undefined) {
          if (!this.shareTokens) throw new Error('share token provider missing');
          shareToken = await this.shareTokens.get(shareId, opts.signal);
          headers['x-share-token'] = shareToken;
        }
        try {
          if (shape && offThread && this.answerWorker?.available()) return await this.offThread<T>(path, body, headers, opts, shape);
          const res = this.answer(await this.send(path, body, headers, opts));
          if ('failed' in res) return res;
          const json = parseBody<unknown>(res.ok);
          return { ok: (shape ? shapeAnswer(shape, json) : json) as T };
        } catch (e) {
          return { failed: pdsErrorFromNetwork(e, Boolean((e as { request?: { reusedSocket?: boolean } }).request?.reusedSocket)) };
        }
      },
      {
        idempotent: opts.idempotent ?? false,
        ...(opts.signal ? { signal: opts.signal } : {}),
        recover: async (err) => {
          if (err.status === 401 && bearer !== undefined && TOKEN_REJECTED.has(err.code) && !renewedBearer && this.tokens) {
            renewedBearer = true;
            if ((await this.tokens.renew(bearer, opts.signal)) !== undefined) return 'again';
          }
          if (err.status === 401 && shareToken !== undefined && shareId !== undefined && err.code === 'ShareLinkTokenInvalid' && !renewedShare) {
            renewedShare = true;
            await this.shareTokens?.renew(shareId, shareToken, opts.signal);
            return 'again';
          }
          return undefined;
        },
      },
    );
  }

  /**
   * The one transport retry loop, for API calls and signed-URL transfers alike: while offline it
   * fails at once; a request that got no answer is told to reachability; a failure is retried with
   * backoff (the server's Retry-After first) within maxAttempts and the total deadline, when the
   * policy allows (shouldRetry: throttling and unsent requests always, lost answers only when
   * idempotent). `attempt` returns the answer or the failure of one request; what it throws
   * (a token that cannot be had, an abort) is not retried here.
   */
  async retrying<T>(
    what: Record<string, unknown>,
    attempt: () => Promise<{ ok: T } | { failed: PdsError }>,
    opts: {
      idempotent: boolean;
      signal?: AbortSignal;
      /**
       * Sees each failure first: { ok } to resolve with (the server already has it), 'again' to
       * repeat at once without spending an attempt (a token or URL renewed), 'retry' to retry
       * whatever the policy says, undefined to let the policy decide.
       */
      recover?: (err: PdsError) => Promise<{ ok: T } | 'again' | 'retry' | undefined>;
      /** Failures in a row, shared with the caller (a download whose body broke off spends the same budget). */
      failures?: { count: number };
      /** A failure that came before the first attempt (that body): handled as if the first attempt failed so. */
      after?: PdsError;
    },
  ): Promise<T> {
    const startedAt = Date.now();
    const failures = opts.failures ?? { count: 0 };
    let before = opts.after;
    for (;;) {
      let err: PdsError;
      if (before) {
        [err, before] = [before, undefined];
      } else {
        this.throwIfOffline();
        const outcome = await attempt();
        if ('ok' in outcome) return outcome.ok;
        err = outcome.failed;
      }
      throwIfAborted(opts.signal);
      const down = await this.transportFailed(err);
      if (down) throw down;
      const recovery = await opts.recover?.(err);
      if (recovery === 'again') continue;
      if (typeof recovery === 'object') return recovery.ok;
      const n = failures.count;
      const delay = retryDelay(err, n, this.retry);
      if ((recovery === 'retry' || shouldRetry(err, opts.idempotent)) && mayRetryAgain(n, startedAt, delay, this.retry)) {
        this.logger.warn({ ...what, status: err.status, code: err.code, requestId: err.requestId, attempt: n, delay: Math.round(delay) }, 'pds request failed, retrying');
        await sleep(delay, opts.signal);
        failures.count++;
        continue;
      }
      this.logger.debug({ ...what, status: err.status, code: err.code, requestId: err.requestId }, 'pds request failed');
      throw err;
    }
  }

  /** An HTTP answer: the server is reachable; a 2xx is the answer, anything else the failure it says. */
  answer<T>(res: AxiosResponse<T>): { ok: AxiosResponse<T> } | { failed: PdsError } {
    this.answered();
    if (res.status >= 200 && res.status < 300) return { ok: res };
    return { failed: pdsErrorFromResponse(res.status, res.headers as Record<string, unknown>, Buffer.isBuffer(res.data) ? answerText(res.data) : res.data) };
  }

  /** The answer's body comes as its bytes, made a string where it is parsed (answerText). */
  private async send(path: string, body: object, headers: Record<string, string>, opts: CallOptions): Promise<AxiosResponse<Buffer>> {
    const started = Date.now();
    const data = requestBody(body, headers, opts);
    const watch = this.watchAnswer(opts.signal);
    try {
      const res = await this.axios.post<Buffer>(`${this.endpoint}${path}`, data, {
        headers,
        signal: watch.signal,
        timeout: opts.timeoutMs ?? this.timeoutMs,
      });
      this.logger.debug({ path, status: res.status, requestId: res.headers['x-ca-request-id'], ms: Date.now() - started }, 'pds call');
      return res;
    } catch (e) {
      if (watch.abandoned) throw this.hostDown(e);
      throw e;
    } finally {
      watch.stop();
    }
  }

  /**
   * One exchange through the answer worker, watched as `send` watches its own; the same outcomes as
   * `answer` gives, with the answer parsed and shaped there. A failure without an answer is thrown
   * as the caller's catch expects it (pdsErrorFromNetwork).
   */
  private async offThread<T>(path: string, body: object, headers: Record<string, string>, opts: CallOptions, shape: AnswerShape): Promise<{ ok: T } | { failed: PdsError }> {
    const started = Date.now();
    const data = requestBody(body, headers, opts);
    const watch = this.watchAnswer(opts.signal);
    let reply: AnswerReply;
    try {
      reply = await this.answerWorker!.exchange({ url: `${this.endpoint}${path}`, data, headers, timeoutMs: opts.timeoutMs ?? this.timeoutMs, shape }, watch.signal);
    } finally {
      watch.stop();
    }
    if ('network' in reply) {
      const { reusedSocket, ...err } = reply.network;
      if (watch.abandoned) throw this.hostDown(err);
      throw Object.assign(err, { request: { reusedSocket } });
    }
    const status = 'ok' in reply ? reply.status : 'refused' in reply ? reply.refused.status : reply.invalid.status;
    const requestId = 'ok' in reply ? reply.requestId : 'refused' in reply ? reply.refused.headers['x-ca-request-id'] : reply.invalid.requestId;
    this.logger.debug({ path, status, requestId, ms: Date.now() - started, offThread: true }, 'pds call');
    this.answered();
    if ('ok' in reply) return { ok: JSON.parse(reply.ok) as T };
    if ('refused' in reply) return { failed: pdsErrorFromResponse(status, reply.refused.headers, reply.refused.body) };
    throw new PdsError({ status, code: 'InvalidResponse', message: 'answer is not JSON', requestId: reply.invalid.requestId });
  }

  /**
   * Watches an API call for a network gone silent: without an answer after SLOW_ANSWER_MS, a probe
   * asks whether the server is there at all; once PDS is found unreachable (by that probe or any
   * other request), the call is abandoned at once and fails with HostDown instead of waiting for
   * its own timeout. Transfers (downloads, part uploads) are not watched: one that is slow but
   * moving is alive, and keeps going.
   */
  private watchAnswer(signal: AbortSignal | undefined): { signal: AbortSignal | undefined; abandoned: boolean; stop: () => void } {
    const r = this.reachability;
    if (!r) return { signal, abandoned: false, stop: () => undefined };
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal!.reason);
    if (signal?.aborted) ac.abort(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => r.suspect(), SLOW_ANSWER_MS).unref();
    const watch = {
      signal: ac.signal,
      abandoned: false,
      stop: () => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
      },
    };
    const unsubscribe = r.onChange((online) => {
      if (online) return;
      watch.abandoned = true;
      ac.abort();
    });
    return watch;
  }

  /** The server answered something: it is reachable. */
  answered(): void {
    this.reachability?.reachable();
  }

  /**
   * A request got no answer. A failure that says the server cannot be reached (refused, no route,
   * no DNS) makes us offline at once; a timeout or reset is checked with one probe. Returns the
   * HostDown error to throw instead of retrying when offline now, else undefined.
   */
  async transportFailed(err: PdsError): Promise<PdsError | undefined> {
    const r = this.reachability;
    if (!r || err.status !== 0 || err.code === 'Aborted') return undefined;
    if (err.isUnreachable) r.unreachable(err.code);
    else if (err.sent) await r.check();
    return r.online ? undefined : this.hostDown(err);
  }

  /** Throws HostDown while offline: the call would only wait for its timeouts and retries. */
  throwIfOffline(): void {
    if (!this.reachability || this.reachability.online) return;
    this.reachability.nudge();
    throw this.hostDown();
  }

  private hostDown(cause?: unknown): PdsError {
    const r = this.reachability!;
    return new PdsError({
      status: 0, code: 'HostDown', sent: false, cause,
      message: `PDS is unreachable (${r.lastReason || 'no answer'}) since ${new Date(r.since).toISOString()}; working offline`,
    });
  }

  /** Any HTTP answer from the endpoint (whatever its status) means the server is reachable. */
  private async probe(): Promise<void> {
    await this.axios.get(`${this.endpoint}/`, { timeout: PROBE_TIMEOUT_MS });
  }

  /** Closes the keep-alive sockets and ends the answer worker. */
  close(): void {
    this.client.close();
    this.answerWorker?.close();
  }
}

/** The request's body as sent, its content-type set in `headers`. */
function requestBody(body: object, headers: Record<string, string>, opts: CallOptions): string {
  headers['content-type'] = opts.form ? 'application/x-www-form-urlencoded' : 'application/json; charset=utf-8';
  return opts.form ? new URLSearchParams(stringFields(body)).toString() : JSON.stringify(body);
}

function stringFields(body: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

function parseBody<T>(res: AxiosResponse<Buffer>): T {
  const text = answerText(res.data);
  if (res.status === 204 || text.trim() === '') return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new PdsError({ status: res.status, code: 'InvalidResponse', message: 'answer is not JSON', requestId: String(res.headers['x-ca-request-id'] ?? ''), cause });
  }
}
