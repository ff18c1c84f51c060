// async_task/get and waiting for a task (docs/pds-wire-protocol.md, Recycle bin and tasks). PartialSucceed is terminal, unlike in the JS SDK.
import type { AsyncResult, AsyncTaskState, PdsAsyncTask } from './wire-types.js';
import type { PdsHttp } from './http.js';
import { PdsError } from './errors.js';
import { sleep } from './retry.js';

const TERMINAL: ReadonlySet<AsyncTaskState> = new Set(['Succeed', 'Failed', 'PartialSucceed']);

export interface WaitOptions {
  signal?: AbortSignal;
  /** First poll delay; grows ×1.5 up to maxIntervalMs. */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
}

export class AsyncTasksApi {
  constructor(private readonly http: PdsHttp) {}

  get(asyncTaskId: string, signal?: AbortSignal): Promise<PdsAsyncTask> {
    return this.http.call('/v2/async_task/get', { async_task_id: asyncTaskId }, { idempotent: true, signal });
  }

  /** Polls until the task reaches Succeed, Failed or PartialSucceed, and returns it. */
  async wait(asyncTaskId: string, opts: WaitOptions = {}): Promise<PdsAsyncTask> {
    let interval = opts.initialIntervalMs ?? 50;
    for (;;) {
      const task = await this.get(asyncTaskId, opts.signal);
      const state = task.state ?? task.status;
      if (state && TERMINAL.has(state)) return task;
      await sleep(interval, opts.signal);
      interval = Math.min(interval * 1.5, opts.maxIntervalMs ?? 2_000);
    }
  }

  /** Waits for the task of a move/copy/trash/delete answer, if any; throws unless it fully succeeded. */
  async settle(result: AsyncResult, opts: WaitOptions = {}): Promise<void> {
    if (!result.async_task_id) return;
    const task = await this.wait(result.async_task_id, opts);
    if ((task.state ?? task.status) !== 'Succeed') {
      throw new PdsError({
        status: 200,
        code: task.error_code || 'AsyncTaskFailed',
        message: task.error_message || `async task ${task.async_task_id} ended ${task.state}`,
      });
    }
  }
}
