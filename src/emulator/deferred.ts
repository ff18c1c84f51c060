// Moves, trashes, deletes and restores: applied at once, or, when the asyncRate fault switch picks the
// call, applied by an async task a little later, the answer naming that task (as the service may do).
import type { AsyncResult } from '../pds/wire-types.js';
import { Reply, type Call } from './context.js';
import { requireUser } from './scope.js';

/** Success statuses of a call, done at once or left running. */
export interface Statuses {
  done: number;
  pending: number;
}

/** The spec's statuses: trash, delete and restore answer 204 without a body when done, 202 with the task when not. */
export const REMOVAL: Statuses = { done: 204, pending: 202 };
/** file/move answers 200 in both cases; async_task_id tells them apart. */
export const MOVE: Statuses = { done: 200, pending: 200 };

/**
 * Runs `apply` now or as a task; the answer carries async_task_id (empty when done). `apply` changes
 * the store synchronously (throwing fails the task) and may return cleanup of files still running.
 */
export async function applyOrDefer<A extends AsyncResult>(call: Call, answer: A, statuses: Statuses, apply: () => void | Promise<void>): Promise<Reply> {
  const delay = call.ctx.faults.asyncDelay();
  if (delay === undefined) {
    await apply();
    return new Reply(statuses.done, statuses.done === 204 ? undefined : { ...answer, async_task_id: '' });
  }
  const id = call.ctx.tasks.start(requireUser(call).user_id, 1, () => {
    void apply()?.catch((err: unknown) => call.ctx.log?.warn({ err }, 'cleanup after a deferred change failed'));
  }, delay);
  return new Reply(statuses.pending, { ...answer, async_task_id: id });
}
