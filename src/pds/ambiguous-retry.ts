// Retrying mutations whose answer may have been lost. A 5xx, reset or timeout after the request was
// sent leaves it unknown whether the server applied it; the retry then runs with `ambiguous` set, so
// the caller can tell "already done by the lost attempt" (e.g. NotFound on a repeated delete) from a
// real failure.
import { PdsError } from './errors.js';
import type { AsyncResult } from './wire-types.js';
import { retryDelay, type RetryOptions, shouldRetry, sleep } from './retry.js';

export async function retryAmbiguous<T>(retry: RetryOptions, attempt: (ambiguous: boolean) => Promise<T>, signal?: AbortSignal): Promise<T> {
  let ambiguous = false;
  for (let n = 0; ; n++) {
    try {
      return await attempt(ambiguous);
    } catch (err) {
      if (!shouldRetry(err, true) || n + 1 >= retry.maxAttempts) throw err;
      if (err instanceof PdsError && err.sent && err.status !== 429) ambiguous = true;
      await sleep(retryDelay(err, n, retry), signal);
    }
  }
}

/** A NotFound answer (the file is not there, e.g. a lost attempt already removed it). */
export function isNotFound(err: unknown): boolean {
  return err instanceof PdsError && (err.status === 404 || err.code.startsWith('NotFound'));
}

/** The answer for a removal a lost attempt already did: nothing left to wait for. */
export function doneEarlier(req: { drive_id?: string; file_id: string }): AsyncResult {
  return { domain_id: '', drive_id: req.drive_id ?? '', file_id: req.file_id };
}
