// Copies the cache's WAL back into the database file (a checkpoint) from a second SQLite connection
// in a worker thread, so that requests never wait for it. SQLite's own automatic checkpoint runs
// inside the commit that crosses 4 MiB of WAL, on the thread that commits: copying pages and two
// fsyncs, which stalled the event loop for up to 200 ms while the change feed was applied.
//
// The WAL also has to start over from its beginning now and then (a restart), or it grows without
// end; SQLite restarts it in the first write after a complete checkpoint, and that write fsyncs the
// WAL's header first (https://www.sqlite.org/src/info/ff5be73dee: without it a power loss could
// replay an old transaction). So after a complete checkpoint the worker makes that write itself (it
// bumps PRAGMA user_version, which pdsfs never reads), and the fsync happens on its thread too. A
// request that writes at that very moment waits for it; reads never wait. With journal_size_limit 0
// the restart also cuts the WAL file back, so its size tells how much is waiting to be copied. A
// request's write that comes between a checkpoint and the worker's write restarts the WAL itself
// (its fsync is on the request thread then), but its connection leaves the file's size alone: a
// truncate waits for the disk (a discard, on a file system mounted so), and the worker's next
// restart, which the large file soon asks for, cuts it.
//
// Durability is SQLite's: the worker's connection runs with synchronous = NORMAL, so a checkpoint
// fsyncs the WAL before copying and the database file before the WAL may be reused.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Indexes into the shared state: checkpoints run, restarts made, and whether the worker closed its connection. */
const CHECKPOINTS = 0;
const RESTARTS = 1;
const CLOSED = 2;
/** Restart writes tried per checkpoint asked for, while requests' writes come in between. */
const RESTART_TRIES = 10;

// Plain JavaScript run as the worker (no loader needed, from the sources or the build). Each
// message asks for one checkpoint, PASSIVE: it copies what no reader still needs and never waits
// for, or blocks, the writer. Complete, it is followed by the restart; the reply says it is done.
// A request's write holding the write lock just then (SQLITE_BUSY: this connection never waits in
// SQLite's busy handler), or committed between the checkpoint and the restart write (which then only
// adds a frame: a restart cuts the file, so its size tells), adds frames of its own: the worker
// checkpoints again and retries, 1 ms apart, rather than leave the restart to a request's write.
const WORKER_SOURCE = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const state = new Int32Array(workerData.state);
const pause = new Int32Array(new SharedArrayBuffer(4));
const db = new Database(workerData.file, { fileMustExist: true, timeout: 0 });
db.pragma('synchronous = NORMAL');
db.pragma('journal_size_limit = 0');
const walBytes = () => fs.statSync(workerData.file + '-wal').size;
const busy = (err) => { if (err.code !== 'SQLITE_BUSY') throw err; };
function checkpointAndRestart() {
  for (let tries = 1; tries <= ${RESTART_TRIES}; tries++) {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
    Atomics.add(state, ${CHECKPOINTS}, 1);
    if (log === 0 || checkpointed !== log) return;
    const before = walBytes();
    try {
      db.pragma('user_version = ' + ((db.pragma('user_version', { simple: true }) + 1) % 0x7fffffff));
      if (walBytes() < before) return void Atomics.add(state, ${RESTARTS}, 1);
    } catch (err) {
      busy(err);
    }
    Atomics.wait(pause, 0, 0, 1);
  }
}
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    Atomics.store(state, ${CLOSED}, 1);
    Atomics.notify(state, ${CLOSED});
    parentPort.close();
    return;
  }
  try {
    checkpointAndRestart();
  } catch (err) {
    busy(err);
  }
  parentPort.postMessage('done');
});
`;

export interface CheckpointerOptions {
  /** WAL size from which a checkpoint is due (SQLite's own default: 1000 pages). */
  dueBytes: number;
  /** How often the WAL size is looked at, for writes that do not ask (roomForWrites). */
  intervalMs: number;
}

export const CHECKPOINTER_DEFAULTS: CheckpointerOptions = { dueBytes: 4 * 1024 * 1024, intervalMs: 1000 };

export class WalCheckpointer {
  private readonly state = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  /** Started when the first checkpoint is due, so short-lived opens (tools, tests) never pay for a thread. */
  private worker: Worker | undefined;
  /** Closed, or the worker failed: checkpoints are SQLite's own again (or over). */
  private off = false;
  /** Whether the worker failed and checkpoints went back to SQLite (status shows it: they stall commits again). */
  private failed = false;
  /** The checkpoint asked for and not answered yet; callers share it. */
  private pending: Promise<void> | undefined;
  private answered: (() => void) | undefined;
  private readonly watch: NodeJS.Timeout;

  /** `onFailure`: the worker stopped with an error; the caller hands checkpoints back to SQLite. */
  constructor(private readonly file: string, private readonly opts: CheckpointerOptions, private readonly onFailure: (err: Error) => void) {
    this.watch = setInterval(() => void this.roomForWrites(), opts.intervalMs).unref();
  }

  /** Checkpoints and restarts run by the worker so far, and whether it failed (tests and status count them). */
  get counts(): { checkpoints: number; restarts: number; fallbacks: number } {
    return { checkpoints: Atomics.load(this.state, CHECKPOINTS), restarts: Atomics.load(this.state, RESTARTS), fallbacks: this.failed ? 1 : 0 };
  }

  /**
   * Resolves at once while the WAL is small; once a checkpoint is due, when the worker has run it.
   * A long run of writes (the change feed) awaits this between its transactions, so the worker can
   * complete a checkpoint and restart the WAL, which it cannot while every moment brings new frames.
   */
  roomForWrites(): Promise<void> {
    // A checkpoint under way (asked for by the interval's look, say) is waited for too: its restart
    // write takes the write lock, and a write meeting it would sleep in SQLite's busy handler.
    if (this.pending) return this.pending;
    if (this.off || (fs.statSync(`${this.file}-wal`, { throwIfNoEntry: false })?.size ?? 0) < this.opts.dueBytes) return Promise.resolve();
    this.pending = new Promise<void>((resolve) => {
      this.answered = resolve;
      this.started().postMessage('checkpoint');
    }).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sqlite, file: this.file, state: this.state.buffer } });
    worker.unref();
    worker.on('message', () => this.answer());
    worker.once('error', (err) => {
      this.off = true;
      this.failed = true;
      this.worker = undefined;
      this.answer();
      this.onFailure(err);
    });
    this.worker = worker;
    return worker;
  }

  private answer(): void {
    this.answered?.();
    this.answered = undefined;
  }

  /**
   * Stops the worker and waits (blocking, at most `waitMs`) until its connection is closed, so the
   * caller's close is the last one and leaves a checkpointed file without WAL behind.
   */
  close(waitMs = 5000): void {
    clearInterval(this.watch);
    this.off = true;
    this.answer();
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.postMessage('close');
    if (Atomics.wait(this.state, CLOSED, 0, waitMs) === 'timed-out') void worker.terminate();
  }
}
