// Backoff policy of the one transport retry loop (PdsHttp.retrying in http.ts, used by API calls and
// the signed-URL transfers of upload-part.ts and download.ts alike): exponential with jitter,
// honouring the server's retry hint, within a total deadline. Each failure is retried by one layer:
// http.ts for requests (throttling, requests that never arrived, lost answers of idempotent ones),
// ambiguous-retry.ts for the lost answers of the few mutations that can tell afterwards whether they
// were applied, and the write-back for whole jobs.
import { PdsError } from './errors.js';

export interface RetryOptions {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts later than this after the first attempt. */
  deadlineMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 30_000, deadlineMs: 120_000 };

/** Whether another attempt fits: within maxAttempts, and starting before the deadline. */
export function mayRetryAgain(attempt: number, startedAt: number, delayMs: number, opts: RetryOptions): boolean {
  return attempt + 1 < opts.maxAttempts && Date.now() + delayMs - startedAt <= opts.deadlineMs;
}

/** Delay before retry number `attempt` (0-based): "equal jitter", half fixed and half random. */
export function backoffDelay(attempt: number, opts: RetryOptions): number {
  const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  return cap / 2 + Math.random() * (cap / 2);
}

/** The server's hint wins (capped), otherwise backoff. */
export function retryDelay(err: unknown, attempt: number, opts: RetryOptions): number {
  if (err instanceof PdsError && err.retryAfterMs !== undefined) return Math.min(err.retryAfterMs, opts.maxDelayMs);
  return backoffDelay(attempt, opts);
}

/**
 * May this failure be retried? Throttling (429) always: the server refused before doing anything.
 * Requests that surely never reached the server always. 5xx, resets and timeouts only when the
 * operation is idempotent, because a mutation may have been applied before the answer was lost.
 */
export function shouldRetry(err: unknown, idempotent: boolean): boolean {
  if (!(err instanceof PdsError) || !err.retryable) return false;
  if (err.status === 429 || !err.sent) return true;
  return idempotent;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(): PdsError {
  return new PdsError({ status: 0, code: 'Aborted', message: 'operation aborted' });
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError();
}
