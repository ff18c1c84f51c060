// What the write-back does with an upload that did not go up: wait (for PDS, for a login), change
// the request (a lost session, a replaced file gone, a name taken meanwhile), retry with backoff, or
// give up and keep the content in the recovery folder; and content written offline that meets a
// newer file on the server, kept beside it under a conflict name.
import type { Logger } from 'pino';
import type { Journal, JournalRow } from '../cache/metadata/journal.js';
import { StagingFiles } from '../cache/staging/staging-files.js';
import { VfsError, toVfsError } from '../core/errors.js';
import type { RemoteEntry } from '../core/remote.js';
import { conflictName } from './conflict-name.js';
import type { Volume } from './volume.js';

/** How often an upload waiting for a new login looks again (cheap: the token store is read locally). */
const LOGIN_WAIT_MS = 5000;

// ENOSPC too: a full drive or cache disk (the staging copy is completed just before the upload) may
// be given room by the user; only after the last attempt does the content go to recovery.
const RETRYABLE = new Set(['EAGAIN', 'EIO', 'ETIMEDOUT', 'EBUSY', 'ENOSPC']);

/** What the write-back's failures need of its options. */
export interface UploadFailureOptions {
  journal: Journal;
  staging: StagingFiles;
  volume: (id: string) => Volume | undefined;
  logger: Logger;
  /** Called when a row failed for good, with why. */
  onFailed?: (row: JournalRow, err: VfsError) => void;
  /** An upload written offline met a newer file on the server and was kept beside it under another name. */
  onConflict?: (row: JournalRow, message: string) => void;
  /** Attempts of one upload before its content goes to the recovery folder; default 10. */
  maxAttempts?: number;
}

export class UploadFailures {
  constructor(
    private readonly o: UploadFailureOptions,
    private readonly now: () => number,
  ) {}

  /**
   * Returns the file the row's content already is on the server, when that is why the upload failed
   * (an earlier attempt made it and its answer was lost): the caller records it as uploaded.
   * `sessionFile`: the file id of the last upload session this row started, when known.
   */
  async retryOrFail(row: JournalRow, err: VfsError, sessionFile?: string): Promise<RemoteEntry | undefined> {
    // An outage is not the upload's fault: no attempt counted, the row waits for PDS to come back.
    if (err.code === 'EHOSTDOWN') {
      this.o.journal.update(row.id, { state: 'dirty', notBefore: 0 });
      return;
    }
    // A dead login is no fault of the file: it waits, not counting attempts, for a new login
    // (the token source said so in the log once).
    const loginProblem = this.o.volume(row.volume)?.remote.loginProblem?.();
    if (loginProblem) {
      this.o.journal.update(row.id, { state: 'dirty', lastError: loginProblem, notBefore: this.now() + LOGIN_WAIT_MS });
      return;
    }
    // Conditions fixed by changing the request rather than by waiting.
    if (err.code === 'ENOENT' && row.session) {
      this.o.journal.update(row.id, { state: 'dirty', session: null, notBefore: 0 });
      return;
    }
    if (err.code === 'ENOENT' && row.replaceId) {
      this.o.journal.update(row.id, { state: 'dirty', replaceId: null, notBefore: 0 });
      return;
    }
    if (err.code === 'EEXIST' && !row.replaceId) {
      let existing: RemoteEntry | undefined;
      try {
        existing = await this.findExisting(row);
        // Our own upload whose answer was lost.
        const landed = existing && (await this.landedAs(row, existing));
        if (landed) return landed;
      } catch (e) {
        // What is at the name is not known yet: tried again as any failure to reach the server.
        return this.retryOrFail(row, toVfsError(e), sessionFile);
      }
      // Written offline, the name taken meanwhile by other content: both kept. The file our own
      // session made (its answer lost; content unknown) is not other content: it is replaced.
      if (existing && row.expectRevision !== null && existing.id !== sessionFile) {
        this.asConflict(row, 'a file of that name was made on the server meanwhile');
        this.o.journal.update(row.id, { state: 'dirty', notBefore: 0 });
        return;
      }
      if (existing) {
        this.o.journal.update(row.id, { state: 'dirty', replaceId: existing.id, expectRevision: row.expectRevision === null ? null : existing.revision, notBefore: 0 });
        return;
      }
    }
    const attempts = row.attempts + 1;
    if (RETRYABLE.has(err.code) && attempts < (this.o.maxAttempts ?? 10)) {
      const backoff = Math.min(60_000, 500 * 2 ** attempts) * (0.75 + Math.random() / 2);
      this.o.logger.warn({ name: row.name, attempt: attempts, err: err.message }, 'upload failed; retrying');
      this.o.journal.update(row.id, { state: 'dirty', attempts, lastError: err.message, notBefore: this.now() + backoff });
      return;
    }
    await this.fail({ ...row, attempts }, err);
  }

  /**
   * Content written offline over a file that changed on the server since: the server's version stays,
   * this one goes beside it under a conflict name.
   */
  async keepNewerOnServer(row: JournalRow, volume: Volume): Promise<{ row: JournalRow } | { landed: RemoteEntry }> {
    const now = await volume.remote.get(row.replaceId!).catch((e: unknown) => {
      if (VfsError.is(toVfsError(e), 'ENOENT')) return undefined;
      throw e;
    });
    if (!now) return { row: this.o.journal.update(row.id, { replaceId: null }) };
    if (now.revision === row.expectRevision) return { row };
    // Changed to exactly this content: our own earlier attempt, whose answer was lost.
    const landed = await this.landedAs(row, now);
    if (landed) return { landed };
    return { row: this.asConflict(row, 'the file changed on the server meanwhile') };
  }

  /**
   * The file on the server holds exactly the row's content (its size and SHA-1): an earlier attempt
   * of this upload made it and its answer was lost, or someone put the very same bytes there, which
   * is the same file to the user. Either way the row is uploaded as that file, once its mtime and
   * user_meta are the row's (a lost answer may have left them to set). Undefined when the content
   * differs, or cannot be compared.
   */
  private async landedAs(row: JournalRow, entry: RemoteEntry): Promise<RemoteEntry | undefined> {
    if (entry.kind !== 'file' || entry.size !== row.size || !entry.contentHash) return undefined;
    // Content written out of order has no SHA-1 yet: its staging copy is hashed, only here, when the sizes agree.
    const sha1 = row.sha1 ?? (await StagingFiles.sha1(row.stagingPath).catch(() => undefined));
    if (entry.contentHash.toUpperCase() !== sha1?.toUpperCase()) return undefined;
    const metaDiffers = row.userMeta !== null && entry.userMeta !== row.userMeta;
    if (entry.mtime === row.mtime && !metaDiffers) return entry;
    const volume = this.o.volume(row.volume);
    if (!volume) return undefined;
    return volume.remote.update(entry.id, { mtime: row.mtime, ...(metaDiffers ? { userMeta: row.userMeta! } : {}) });
  }

  private asConflict(row: JournalRow, why: string): JournalRow {
    const name = conflictName(row.name, row.updatedAt);
    const renamed = this.o.journal.update(row.id, { name, replaceId: null, expectRevision: null, session: null });
    const message = `${why}: "${row.name}" as written offline is uploaded as "${name}"`;
    this.o.logger.warn({ name: row.name, keptAs: name }, 'upload conflict: both versions kept');
    this.o.onConflict?.(renamed, message);
    return renamed;
  }

  /** Last writer wins: a name taken meanwhile on the server is replaced, as a local rename would. */
  private async findExisting(row: JournalRow): Promise<RemoteEntry | undefined> {
    const volume = this.o.volume(row.volume);
    if (!volume) return undefined;
    const key = row.name.normalize('NFC');
    for await (const e of volume.remote.list(row.parentId)) {
      if (e.kind === 'file' && e.name.normalize('NFC') === key) return e;
    }
    return undefined;
  }

  async fail(row: JournalRow, err: VfsError): Promise<void> {
    const kept = await this.o.staging.recover(row.stagingPath, row.name).catch(() => row.stagingPath);
    this.o.logger.error({ name: row.name, err: err.message, code: err.code, kept, ...partialNote(row) }, 'upload failed for good; the data is kept in the recovery folder');
    const failed = this.o.journal.update(row.id, { state: 'failed', attempts: row.attempts, lastError: `${err.code}: ${err.message}`, stagingPath: kept });
    this.o.onFailed?.(failed, err);
  }
}

/** A staging copy never completed from its remote original holds only the bytes written locally. */
export function partialNote(row: JournalRow): { partial?: string } {
  return row.base ? { partial: `only the parts written here are in it; the rest of the original (file ${row.base.fileId}) reads as zeros` } : {};
}
