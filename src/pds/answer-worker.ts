// The answer worker: a worker thread that makes the API calls of long runs of large answers (the
// pages after a folder's first, the change feed's pages after one that said has_more) and parses
// and shapes them (answer-shapes.ts), so that the main thread, which serves WebDAV and FUSE,
// receives ready entries (as compact JSON, see AnswerReply) instead of running axios, JSON.parse of
// 100 file objects of 30 fields and their mapping, and collecting the garbage: about a fifth of its
// CPU per page.
// The process pays more CPU in all (a start of 0.2–0.4 CPU-s, the copy of each page), which is why
// single pages (a walk of many small folders, a poll of the feed) stay on the main thread.
// It holds no credentials: each request carries the headers the main thread chose. It is started on
// demand and ended after an idle spell: an idle daemon keeps no second isolate (its RSS target).
import v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../shared/module-worker.js';
import type { AnswerShape } from './answer-shapes.js';

export interface AnswerRequest {
  id: number;
  url: string;
  /** The request body, already serialized. */
  data: string;
  headers: Record<string, string>;
  timeoutMs: number;
  shape: AnswerShape;
}

export type ToAnswerWorker = AnswerRequest | { cancel: number } | { close: true };

/**
 * What became of one request: its shaped answer, a refusal (non-2xx), an answer that is not JSON, or
 * no answer. The shaped answer travels as JSON: its JSON.parse costs the main thread half what the
 * structured clone's deserializing does (a page of 100 entries and URLs: 69 against 136 µs).
 */
export type AnswerReply =
  | { ok: string; status: number; requestId: string }
  | { refused: { status: number; headers: Record<string, unknown>; body: string } }
  | { invalid: { status: number; requestId: string } }
  | { network: { name: string; code: string | undefined; message: string; reusedSocket: boolean } };

export interface AnswerWorkerOptions {
  /** The worker ends after this long without a request; default 30 s (a start costs 0.2–0.4 CPU-s). */
  idleMs?: number;
}

const DEFAULT_IDLE_MS = 30_000;
/**
 * The worker's young generation, in MiB: a page's answer (about 120 KB of text), its 100 parsed
 * objects and their entries die young, and 3 MiB (as the embedded server's worker has) holds a page
 * in flight. 8 MiB cost the mount's peak RSS during an rsync about 7 MiB more for the same CPU (the
 * worker starts for the change feed's pages of the copy's own files; docs/benchmarks.md).
 */
const WORKER_YOUNG_GENERATION_MB = 3;

interface Pending {
  resolve: (reply: AnswerReply) => void;
}

export class AnswerWorker {
  /** Requests sent through the worker, workers started, workers that ended (tests count them). */
  readonly counts = { calls: 0, starts: 0, exits: 0 };
  private worker: Worker | undefined;
  private ready = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;
  private closed = false;

  constructor(private readonly maxSockets: number, opts: AnswerWorkerOptions = {}) {
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
  }

  /**
   * Whether a call can go through the worker now. When none is running, one is started, and this
   * call (and those until it is ready: a start is a few tens of ms) is made on the caller's thread,
   * so that starting never adds to a call's time.
   */
  available(): boolean {
    if (this.closed) return false;
    if (!this.worker) this.start();
    return this.ready;
  }

  /** Resolves once a worker is ready (tests). */
  async started(): Promise<void> {
    while (!this.available()) await new Promise((r) => setTimeout(r, 5));
  }

  /** One exchange through the worker; `signal` cancels it (the reply is then a network failure). */
  exchange(req: Omit<AnswerRequest, 'id'>, signal: AbortSignal | undefined): Promise<AnswerReply> {
    const worker = this.worker!;
    const id = this.nextId++;
    this.counts.calls++;
    if (this.pending.size === 0) {
      clearTimeout(this.idleTimer);
      // A call in flight keeps the process alive, as a request on the main thread's socket would.
      worker.ref();
    }
    return new Promise<AnswerReply>((resolve) => {
      const onAbort = () => worker.postMessage({ cancel: id } satisfies ToAnswerWorker);
      if (signal?.aborted) queueMicrotask(onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (reply) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(reply);
        },
      });
      worker.postMessage({ ...req, id } satisfies ToAnswerWorker);
    });
  }

  /** Ends the worker for good (close of the client). */
  close(): void {
    this.closed = true;
    this.end();
  }

  /**
   * Ends the worker now (its sockets closed), as an idle spell does; calls still in flight fail as
   * if their connection broke, and the next call starts another.
   */
  end(): void {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (!worker) return;
    this.gone(worker);
    worker.postMessage({ close: true } satisfies ToAnswerWorker);
    // Sockets closed, its port closed: it ends by itself; terminate in case it does not.
    setTimeout(() => void worker.terminate(), 1000).unref();
  }

  private start(): void {
    // A --max-semi-space-size on Node's command line (bin/pdsfs's) sizes every isolate V8 creates
    // and overrides resourceLimits; the main isolate has its size already.
    v8.setFlagsFromString('--max-semi-space-size=0');
    const worker = moduleWorker(import.meta.url, 'answer-worker-thread', {
      // Not the process's --import hooks (a loader, a profiler): the worker needs none of them.
      execArgv: [],
      workerData: { maxSockets: this.maxSockets },
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    this.counts.starts++;
    this.worker = worker;
    this.ready = false;
    worker.unref();
    worker.on('message', (m: 'ready' | { id: number; reply: AnswerReply }) => {
      if (m === 'ready') {
        this.ready = true;
        this.armIdle();
        return;
      }
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) {
        worker.unref();
        this.armIdle();
      }
      p?.resolve(m.reply);
    });
    // An error in the worker ends it ('exit' follows): what was in flight fails, the next call starts another.
    worker.on('error', () => undefined);
    worker.once('exit', () => this.gone(worker));
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0) this.end();
    }, this.idleMs).unref();
  }

  /** `worker` is no more: what it had in flight fails as a broken connection (retried when idempotent). */
  private gone(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.ready = false;
    this.counts.exits++;
    const failed: AnswerReply = { network: { name: 'Error', code: 'ECONNRESET', message: 'the answer worker ended', reusedSocket: false } };
    for (const p of this.pending.values()) p.resolve(failed);
    this.pending.clear();
  }
}
