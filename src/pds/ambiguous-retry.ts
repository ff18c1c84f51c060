// Retrying mutations whose answer may have been lost. A 5xx, reset or timeout after the request was
// sent leaves it unknown whether the server applied it; the retry then runs with `ambiguous` set, so
// the caller can tell "already done by the lost attempt" (e.g. NotFound on a repeated delete) from a
// real failure. Only those failures are retried here: throttling and requests that never arrived
// were already retried by http.ts, within its budget.
import { vfsCodeOf } from './error-map.js';
import { PdsError } from './errors.js';
import type { AsyncResult } from './wire-types.js';
import { mayRetryAgain, retryDelay, type RetryOptions, sleep } from './retry.js';

export async function retryAmbiguous<T>(retry: RetryOptions, attempt: (ambiguous: boolean) => Promise<T>, signal?: AbortSignal): Promise<T> {
  let ambiguous = false;
  const startedAt = Date.now();
  for (let n = 0; ; n++) {
    try {
      return await attempt(ambiguous);
    } catch (err) {
      const delay = retryDelay(err, n, retry);
      if (!isLostAnswer(err) || !mayRetryAgain(n, startedAt, delay, retry)) throw err;
      ambiguous = true;
      await sleep(delay, signal);
    }
  }
}

/** Sent, then failed in a way that leaves it unknown whether the server acted (not a 429: a refusal). */
function isLostAnswer(err: unknown): boolean {
  return err instanceof PdsError && err.retryable && err.sent && err.status !== 429;
}

/**
 * A removal (trash, delete) retried after a lost answer too: NotFound on a retry means the lost
 * attempt already removed the file, so it counts as done; a NotFound on the first attempt is real.
 */
export function removeOnce(retry: RetryOptions, req: { drive_id: string; file_id: string }, remove: () => Promise<AsyncResult>, signal?: AbortSignal): Promise<AsyncResult> {
  return retryAmbiguous(retry, (ambiguous) => remove().catch((err: unknown) => {
    if (ambiguous && isNotFound(err)) return { domain_id: '', drive_id: req.drive_id, file_id: req.file_id };
    throw err;
  }), signal);
}

/** Gone, as the one PDS error table reads it (NotFound.*, a file already in the recycle bin, 404). */
function isNotFound(err: unknown): boolean {
  return err instanceof PdsError && vfsCodeOf(err) === 'ENOENT';
}
