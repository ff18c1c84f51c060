// Retrying mutations whose answer may have been lost. A 5xx, reset or timeout after the request was
// sent leaves it unknown whether the server applied it; the retry then runs with `ambiguous` set, so
// the caller can tell "already done by the lost attempt" (e.g. NotFound on a repeated delete) from a
// real failure.
import { vfsCodeOf } from './error-map.js';
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
