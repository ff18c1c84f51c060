// Write-back: uploads committed staging files (journal rows in state dirty) after a delay, with
// retries and backoff, resuming interrupted multipart sessions. After a crash, start() re-queues
// every committed row. Nothing is dropped: a permanent failure keeps the data in the recovery folder.
import type { JournalRow } from '../cache/metadata/journal.js';
import { isLocalId, type OpLog } from '../cache/metadata/ops.js';
import { VfsError, toVfsError } from '../core/errors.js';
import type { RemoteEntry } from '../core/remote.js';
import type { ForegroundActivity } from './foreground.js';
import { partialNote, type UploadFailureOptions, UploadFailures } from './upload-failures.js';

export interface WritebackOptions extends UploadFailureOptions {
  /** Whether a row still has writers (it is not uploaded while it does). */
  hasWriters: (rowId: number) => boolean;
  /** Fills a staging copy still partly in its remote base; the row as it is then, undefined if gone. */
  complete: (rowId: number, signal: AbortSignal) => Promise<JournalRow | undefined>;
  /**
   * Called after a successful upload: what it records commits together with the row's removal.
   * Returns whether the staging copy can go (no reader still holds it), which happens once that commits.
   */
  onUploaded: (row: JournalRow, entry: RemoteEntry) => boolean;
  /** Namespace changes made offline: a row waits for those made before it (JournalRow.waitOp) and for its folder's PDS id. */
  ops?: OpLog;
  /** Whether PDS is reachable: nothing starts while it is not (no attempt is spent on an outage). */
  online?: () => boolean;
  /** Called while drain waits on an unreachable PDS (a probe, so a drain notices its return). */
  whileOffline?: () => void;
  /** Uploads at once; default 8 (many small files are bound by round trips, not bandwidth). */
  concurrency?: number;
  /**
   * The front-ends' requests: while they arrive, uploads wait for BUSY_HOLD_MS, then run
   * BUSY_CONCURRENCY at once (unless a drain waits for them, or the dirty bytes near their bound).
   */
  foreground?: Pick<ForegroundActivity, 'quietIn' | 'busyFor'>;
  /** The dirty-bytes bound writers wait at; past half of it (or of the cache disk's room), uploads are not held for the foreground. */
  maxDirtyBytes?: number;
  now?: () => number;
}

/**
 * Each upload is logged at debug; at info, what went up is told as a count at most this often (a
 * line per file cost the main thread 10–30 µs, and an rsync of small files thousands of lines).
 */
const UPLOADED_SUMMARY_MS = 10_000;

/** How often a drain looks at the queue while uploads end: at most every DRAIN_LOOK_MIN_MS, at least every DRAIN_LOOK_MAX_MS. */
const DRAIN_LOOK_MIN_MS = 100;
const DRAIN_LOOK_MAX_MS = 500;

/** Delay before retrying after a local failure (a crashed upload, a journal that cannot be written). */
const CRASH_RETRY_MS = 1000;

/**
 * How long a busy foreground holds every upload back: a copy shorter than this gets the CPU to
 * itself and its uploads all go at full width once it ends (a local disk's write-back waits 30 s
 * too, Linux's dirty_expire_centisecs); a longer one sees its files go up from then on.
 */
const BUSY_HOLD_MS = 30_000;

/**
 * Uploads at once while the foreground has been busy longer than BUSY_HOLD_MS: one keeps the queue moving (a writer that never stops
 * still sees its files go up) while most of the uploads' CPU waits for the foreground to go quiet.
 */
const BUSY_CONCURRENCY = 1;

/**
 * Due uploads waiting for a slot beyond which the uploads are falling behind a busy writer (the
 * round trips of a real network are their limit, not the CPU they share with it): full width then.
 * On loopback one upload at a time keeps pace with an rsync, and the backlog stays short.
 */
const BEHIND_DUE_ROWS = 32;

export class Writeback {
  private readonly running = new Map<number, { ctrl: AbortController; done: Promise<void> }>();
  /** Rows that must not start uploading (someone is changing them), with a hold count. */
  private readonly held = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private kickQueued = false;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private readonly now: () => number;
  /** Bytes of the uploads in flight, for progress. */
  readonly progress = new Map<number, { done: number; total: number }>();
  private sent = 0;
  /** drain() calls waiting: someone waits for the uploads, so they go at full width. */
  private draining = 0;

  private readonly failures: UploadFailures;
  /**
   * The file id of the last upload session each row started: a row whose answer was lost, and whose
   * content changed since, then finds that file at its name. Kept in memory only (a one-part session
   * is not worth a commit per file); after a restart, an unchanged row is still known by its content.
   */
  private readonly sessionFiles = new Map<number, string>();
  /** Uploads not told at info yet, and the timer that tells them. */
  private readonly untold = { files: 0, bytes: 0, timer: undefined as NodeJS.Timeout | undefined };

  constructor(private readonly o: WritebackOptions) {
    this.now = o.now ?? Date.now;
    this.failures = new UploadFailures(o, this.now);
  }

  /**
   * Crash recovery: rows caught uploading go back to dirty; rows never committed go to recovery. A
   * delay set by an earlier run (a longer --write-back) is capped at this run's delay.
   */
  async start(writeBackMs: number): Promise<void> {
    for (const row of this.o.journal.openRows()) {
      const kept = await this.o.staging.recover(row.stagingPath, row.name).catch(() => row.stagingPath);
      this.o.logger.warn({ name: row.name, kept, ...partialNote(row) }, 'a file was being written when pdsfs stopped; its partial content is in the recovery folder');
      this.o.journal.remove(row.id);
    }
    // A crash between a staging file's creation and its row, or its row's removal and its unlink.
    const leftOver = await this.o.staging.removeUnreferenced(this.o.journal.stagingPaths());
    if (leftOver > 0) this.o.logger.info({ files: leftOver }, 'removed staging files no upload refers to');
    for (const row of this.o.journal.pending()) {
      if (row.state === 'uploading') this.o.journal.update(row.id, { state: 'dirty', notBefore: 0 });
      else if (row.notBefore > this.now() + writeBackMs) this.o.journal.update(row.id, { notBefore: this.now() + writeBackMs });
    }
    this.kick();
  }

  /**
   * Re-examines the queue soon (after a commit, rename or delay change): the kicks of one turn of the
   * event loop (an rsync closes many files at once) share one look at the queue. Never throws: when
   * the journal cannot be read or written (a full disk), it logs and looks again a little later.
   */
  kick(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    setImmediate(() => {
      this.kickQueued = false;
      this.scanNow();
    });
  }

  private scanNow(): void {
    try {
      this.scan();
    } catch (err) {
      this.o.logger.error({ err }, 'write-back: cannot read or update the upload queue; trying again shortly');
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.kick(), CRASH_RETRY_MS).unref();
    }
  }

  private scan(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    // Offline: rows wait as they are; the return of PDS kicks again.
    if (this.o.online && !this.o.online()) return this.notify();
    // While the foreground is busy, a look again once it is quiet widens the uploads without waiting
    // for one to end (a big file's can take seconds).
    const quietIn = this.draining > 0 ? 0 : (this.o.foreground?.quietIn() ?? 0);
    const busy = quietIn > 0;
    const now = this.now();
    const holdLeft = busy ? BUSY_HOLD_MS - (this.o.foreground?.busyFor() ?? BUSY_HOLD_MS) : 0;
    if (holdLeft > 0 && !this.nearDirtyBound()) return this.lookAgainAt(now + Math.min(quietIn, holdLeft), now);
    let next = busy ? now + quietIn : Infinity;
    const width = this.o.concurrency ?? 8;
    let slots = (busy ? Math.min(BUSY_CONCURRENCY, width) : width) - this.running.size;
    // Every upload slot busy: nothing can start, and each upload that ends looks again.
    if (slots <= 0 && (!busy || this.running.size >= width)) return this.lookAgainAt(next, now);
    const due: JournalRow[] = [];
    /** Due rows that found no slot while busy, up to BEHIND_DUE_ROWS. */
    const waiting: JournalRow[] = [];
    const firstOp = this.o.ops?.firstPendingId() ?? 0;
    // Soonest first, stopping at the first row not due yet or when no upload slot is left (while
    // busy, once the backlog is known to be short or long): a long queue is not read whole on every
    // commit (a finishing upload kicks again).
    for (const row of this.o.journal.dirtyByDue()) {
      if (row.notBefore > now) {
        next = Math.min(next, row.notBefore);
        break;
      }
      if (slots <= 0 && (!busy || waiting.length >= BEHIND_DUE_ROWS)) break;
      if (this.running.has(row.id) || this.held.has(row.id) || this.o.hasWriters(row.id)) continue;
      if (firstOp > 0 && row.waitOp >= firstOp) continue;
      // Its folder, made offline, waits for its turn in the op log (its row moves to the PDS id then).
      if (isLocalId(row.parentId)) continue;
      if (slots > 0) {
        due.push(row);
        slots--;
      } else waiting.push(row);
    }
    // Falling behind the writer (round trips, not CPU, are the limit: a real network): full width.
    if (waiting.length >= BEHIND_DUE_ROWS) due.push(...waiting.slice(0, Math.max(0, width - this.running.size - due.length)));
    for (const row of due) this.launch(row);
    this.lookAgainAt(next, now);
  }

  /**
   * Writers would soon wait for uploads: the bytes waiting for upload are past half of what they may
   * take, the dirty-bytes bound or, when the cache disk is the smaller, what it has room for (the
   * waiting bytes plus its free room above the reserve). Holding uploads back then would stall the
   * writers, or fill the disk.
   */
  private nearDirtyBound(): boolean {
    const { pendingBytes } = this.o.journal.stats();
    const bound = Math.min(this.o.maxDirtyBytes ?? Infinity, pendingBytes + this.o.staging.space.roomLeft());
    return pendingBytes > bound / 2;
  }

  private lookAgainAt(at: number, now: number): void {
    if (at < Infinity) this.timer = setTimeout(() => this.kick(), Math.max(10, at - now)).unref();
  }

  /** Stops an in-flight upload of a row (before it is renamed, rewritten or deleted) and waits for it. */
  async cancel(rowId: number): Promise<void> {
    const run = this.running.get(rowId);
    if (!run) return;
    run.ctrl.abort();
    await run.done;
  }

  /**
   * Stops any upload of the row and keeps it from starting again until the returned release is
   * called. An upload that finished meanwhile has removed the row: callers look again afterwards.
   */
  async hold(rowId: number): Promise<() => void> {
    this.held.set(rowId, (this.held.get(rowId) ?? 0) + 1);
    await this.cancel(rowId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.held.get(rowId) ?? 1) - 1;
      if (n > 0) this.held.set(rowId, n);
      else this.held.delete(rowId);
      // A row still waiting for its write-back delay starts from the timer of the last look at the
      // queue (set for the soonest row, held or not): a look now would find nothing to start. That
      // spares one per chmod, utimens and rename of a file that was just written.
      const row = this.o.journal.get(rowId);
      if (!row || row.state !== 'dirty' || row.notBefore <= this.now() || this.timer === undefined) this.kick();
    };
  }

  /** Gives up on a row that can never be uploaded: its content goes to the recovery folder. */
  async giveUp(rowId: number, err: VfsError): Promise<void> {
    await this.cancel(rowId);
    const row = this.o.journal.get(rowId);
    if (row) await this.failures.fail(row, err);
  }

  /**
   * Resolves when nothing is pending (failed rows do not count), or when all that is pending waits
   * for a new login: it stays in the journal and goes up after a restart with a live login.
   */
  async drain(onProgress?: (files: number, bytes: number) => void): Promise<void> {
    this.draining++;
    try {
      await this.drainAll(onProgress);
    } finally {
      this.draining--;
    }
  }

  private async drainAll(onProgress?: (files: number, bytes: number) => void): Promise<void> {
    for (;;) {
      const { pendingFiles, pendingBytes } = this.o.journal.stats();
      onProgress?.(pendingFiles, pendingBytes);
      if (pendingFiles === 0) return;
      if (this.allWaitForLogin()) {
        this.o.logger.warn({ pendingFiles }, 'uploads left waiting for a new login; they go up at the next start after pdsfs login');
        return;
      }
      // Rows waiting for their write-back delay are due now: nobody is going to edit them further.
      this.o.journal.makeDue(this.now());
      if (this.o.online && !this.o.online()) this.o.whileOffline?.();
      this.kick();
      await this.untilNextLook(this.now());
    }
  }

  /**
   * Resolves when the drain should look at the queue again: when the last running upload ends, at
   * the first end DRAIN_LOOK_MIN_MS after the last look, or DRAIN_LOOK_MAX_MS after it. A look at
   * each end cost the drain of 1,600 small files 0.2 CPU-s of the main thread (it reads the queue's
   * volumes and counts), and the end kicks the queue by itself.
   */
  private untilNextLook(lookedAt: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const look = () => {
        clearTimeout(timer);
        this.waiters.delete(onEnd);
        resolve();
      };
      const onEnd = () => {
        if (this.running.size === 0 || this.now() - lookedAt >= DRAIN_LOOK_MIN_MS) look();
        else this.waiters.add(onEnd);
      };
      const timer = setTimeout(look, DRAIN_LOOK_MAX_MS);
      this.waiters.add(onEnd);
    });
  }

  /**
   * Whether every pending row waits for a new login. Read lazily and unsorted: drain asks at each of
   * its looks, and the first row whose login is fine answers it (reading, or sorting, the whole queue
   * each time made draining n files cost n² rows).
   */
  private allWaitForLogin(): boolean {
    for (const volume of this.o.journal.pendingVolumes()) if (!this.o.volume(volume)?.remote.loginProblem?.()) return false;
    return true;
  }

  /** Bytes sent by uploads since start (throughput figures); a re-sent part counts again. */
  get sentBytes(): number {
    return this.sent;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const run of this.running.values()) run.ctrl.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
    this.tellUploaded();
  }

  private uploaded(row: JournalRow): void {
    this.o.logger.debug({ name: row.name, size: row.size }, 'uploaded');
    this.untold.files++;
    this.untold.bytes += row.size;
    this.untold.timer ??= setTimeout(() => this.tellUploaded(), UPLOADED_SUMMARY_MS).unref();
  }

  private tellUploaded(): void {
    const { files, bytes, timer } = this.untold;
    clearTimeout(timer);
    Object.assign(this.untold, { files: 0, bytes: 0, timer: undefined });
    if (files > 0) this.o.logger.info({ files, bytes }, 'uploaded');
  }

  private notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    // A waiter may wait for the next end again (untilNextLook).
    for (const w of waiters) w();
  }

  private launch(row: JournalRow): void {
    const ctrl = new AbortController();
    this.o.journal.update(row.id, { state: 'uploading' });
    const done = this.upload(row.id, ctrl.signal)
      .catch((err) => {
        this.o.logger.error({ err, name: row.name }, 'write-back crashed');
        // Back in the queue (later), rather than "uploading" until the next start.
        this.o.journal.update(row.id, { state: 'dirty', notBefore: this.now() + CRASH_RETRY_MS });
      })
      .catch((err) => this.o.logger.error({ err, name: row.name }, 'write-back could not requeue the file; it is retried at the next start'))
      .finally(() => {
        this.running.delete(row.id);
        this.progress.delete(row.id);
        // drain() looks again when an upload ends (not at every look at the queue, which its own kick causes).
        this.notify();
        this.kick();
      });
    this.running.set(row.id, { ctrl, done });
  }

  private async upload(rowId: number, signal: AbortSignal): Promise<void> {
    let row = this.o.journal.get(rowId);
    if (!row) return;
    const volume = this.o.volume(row.volume);
    if (!volume) return this.failures.fail(row, new VfsError('ENOENT', `volume ${row.volume} is not configured`));
    try {
      // The upload reads the staging copy whole: bytes still only in the remote original come first.
      if (row.base) row = await this.o.complete(rowId, signal);
      if (!row) return;
      if (row.expectRevision !== null && row.replaceId) {
        const checked = await this.failures.keepNewerOnServer(row, volume);
        if ('landed' in checked) return this.landed(rowId, row, checked.landed);
        row = checked.row;
      }
      const started = row;
      const entry = await volume.remote.upload(row.parentId, row.name, row.stagingPath, row.size, {
        ...(row.replaceId ? { replaceId: row.replaceId } : {}),
        ...(row.sha1 ? { sha1: row.sha1 } : {}),
        ...(row.session ? { resume: row.session } : {}),
        mtime: row.mtime,
        ...(row.userMeta !== null ? { userMeta: row.userMeta } : {}),
        signal,
        // Kept for resuming after a crash. A one-part session is not worth a commit per file: resuming it
        // saves nothing, and the upload then simply starts again (a lost session is harmless, upload.ts).
        onSession: (session) => {
          this.sessionFiles.set(rowId, session.fileId);
          if (session.partCount > 1) this.o.journal.update(rowId, { session });
        },
        onProgress: (done, total) => {
          this.sent += Math.max(0, done - (this.progress.get(rowId)?.done ?? 0));
          this.progress.set(rowId, { done, total });
        },
      });
      this.landed(rowId, started, entry);
    } catch (e) {
      row = this.o.journal.get(rowId);
      if (!row) {
        this.sessionFiles.delete(rowId);
        return;
      }
      if (signal.aborted) {
        // Whoever cancelled owns the row now; a row still marked uploading goes back to the queue.
        if (row.state === 'uploading') this.o.journal.update(rowId, { state: 'dirty' });
        return;
      }
      const landed = await this.failures.retryOrFail(row, toVfsError(e), this.sessionFiles.get(rowId));
      if (landed) this.landed(rowId, row, landed);
    }
  }

  /** The row's content is on the server as `entry`: recorded there, and the row done. */
  private landed(rowId: number, started: JournalRow, entry: RemoteEntry): void {
    this.sessionFiles.delete(rowId);
    // Recorded where it landed, even if the row was cancelled too late: its holder looks again.
    // One commit for both (a crash between them would only upload the file again).
    const copyUnneeded = this.o.journal.batch(() => {
      const unneeded = this.o.onUploaded(started, entry);
      this.o.journal.remove(rowId);
      return unneeded;
    });
    // Only now that the row's removal is committed: a crash before it uploads again from this copy.
    // Through the pool: on a file system mounted with `discard` an unlink sends the TRIM of the file's
    // blocks before it returns (measured: 0.4 ms for 64 KiB on disk, 50 ms for 64 MiB). With the
    // others landing meanwhile, which spares most of the pool's wake-ups.
    if (copyUnneeded) this.o.staging.removeSoon(started.stagingPath);
    this.uploaded(started);
  }
}
