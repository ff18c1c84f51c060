// Async tasks (folder copies, recycle-bin clears, deferred mutations). The work runs after the response,
// optionally after a delay; async_task/get reports its state.
import type { AsyncTaskState, PdsAsyncTask } from '../../pds/wire-types.js';
import type { Sql } from './sql.js';
import { newTaskId } from '../ids.js';

interface TaskRow {
  async_task_id: string;
  user_id: string;
  state: AsyncTaskState;
  error_code: string | null;
  error_message: string | null;
  consumed_process: number;
  total_process: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export class TaskRunner {
  private readonly pending = new Set<Promise<void>>();

  /** `onStart` counts started tasks (the server's stats). */
  constructor(private readonly sql: Sql, private readonly onStart: () => void = () => {}) {
    // A task cut short by a shutdown can never finish.
    sql.run("UPDATE async_tasks SET state = 'Failed', error_code = 'InternalError', error_message = 'interrupted by a restart', finished_at = ? WHERE state = 'Running'", new Date().toISOString());
  }

  /** Starts `work` after the current request (and `delayMs`); it reports progress through the given callback. */
  start(userId: string, total: number, work: (progress: (done: number) => void) => void, delayMs = 0): string {
    const id = newTaskId();
    this.onStart();
    const now = new Date().toISOString();
    this.sql.run(
      "INSERT INTO async_tasks (async_task_id, user_id, state, total_process, created_at, started_at) VALUES (?, ?, 'Running', ?, ?, ?)",
      id, userId, total, now, now,
    );
    const job = new Promise<void>((resolve) => (delayMs > 0 ? setTimeout(resolve, delayMs) : setImmediate(resolve))).then(() => {
      try {
        work((done) => this.sql.run('UPDATE async_tasks SET consumed_process = ? WHERE async_task_id = ?', done, id));
        this.sql.run("UPDATE async_tasks SET state = 'Succeed', consumed_process = total_process, finished_at = ? WHERE async_task_id = ?", new Date().toISOString(), id);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        this.sql.run(
          "UPDATE async_tasks SET state = 'Failed', error_code = ?, error_message = ?, finished_at = ? WHERE async_task_id = ?",
          e.code ?? 'InternalError', e.message ?? String(err), new Date().toISOString(), id,
        );
      }
    });
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
    return id;
  }

  get(taskId: string, userId: string): PdsAsyncTask | undefined {
    const t = this.sql.get<TaskRow>('SELECT * FROM async_tasks WHERE async_task_id = ? AND user_id = ?', taskId, userId);
    if (!t) return undefined;
    return {
      async_task_id: t.async_task_id,
      state: t.state,
      status: t.state,
      error_code: t.error_code ?? '',
      error_message: t.error_message ?? '',
      consumed_process: t.consumed_process,
      total_process: t.total_process,
      created_at: t.created_at,
      ...(t.started_at ? { started_at: t.started_at } : {}),
      ...(t.finished_at ? { finished_at: t.finished_at } : {}),
    };
  }

  /** Waits for started tasks (used on close). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
