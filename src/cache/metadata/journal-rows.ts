// The write journal's rows: their shape, and how they map to and from the journal table's columns.
import type { UploadSession } from '../../core/remote.js';
import type { StagedBase } from '../../core/staged-base.js';
import { nameKey } from '../../shared/name-key.js';

export type JournalState = 'open' | 'dirty' | 'uploading' | 'failed' | 'done';

/** Files waiting for upload and failed, as `pdsfs status` counts them. */
export interface JournalStats {
  pendingFiles: number;
  pendingBytes: number;
  failedFiles: number;
}

export interface JournalRow {
  id: number;
  volume: string;
  parentId: string;
  name: string;
  stagingPath: string;
  size: number;
  mtime: number;
  sha1: string | null;
  state: JournalState;
  /** Existing remote file id being overwritten (atomic replace), if any. */
  replaceId: string | null;
  /** The remote file the staging copy still reads from where it holds no bytes yet; null once complete. */
  base: StagedBase | null;
  /** Multipart upload in progress, for resume after a crash. */
  session: UploadSession | null;
  /** The file's user_meta (POSIX attributes) to store with the upload; null for none. */
  userMeta: string | null;
  attempts: number;
  lastError: string | null;
  /** Epoch ms before which the row is not uploaded: write-back delay or retry backoff. */
  notBefore: number;
  /** The last namespace change (ops.ts) made before this content: uploaded only once it is replayed; 0 for none. */
  waitOp: number;
  /**
   * Set when the content was written while PDS was unreachable: the revision of the server file it
   * replaces ('' for a new name). A different one at upload time is a conflict: both are kept.
   */
  expectRevision: string | null;
  createdAt: number;
  updatedAt: number;
}

export type NewJournalRow = Omit<JournalRow, 'id' | 'attempts' | 'lastError' | 'createdAt' | 'updatedAt' | 'session' | 'base' | 'userMeta' | 'waitOp' | 'expectRevision'> & {
  waitOp?: number;
  expectRevision?: string | null;
  session?: UploadSession | null;
  base?: StagedBase | null;
  userMeta?: string | null;
};

export interface DbRow {
  id: number;
  volume: string;
  parent_id: string;
  name: string;
  staging_path: string;
  size: number;
  mtime: number;
  sha1: string | null;
  state: JournalState;
  replace_id: string | null;
  base: string | null;
  session: string | null;
  user_meta: string | null;
  attempts: number;
  last_error: string | null;
  not_before: number;
  wait_op: number;
  expect_revision: string | null;
  created_at: number;
  updated_at: number;
}

export function fromDb(r: DbRow): JournalRow {
  return {
    id: r.id,
    volume: r.volume,
    parentId: r.parent_id,
    name: r.name,
    stagingPath: r.staging_path,
    size: r.size,
    mtime: r.mtime,
    sha1: r.sha1,
    state: r.state,
    replaceId: r.replace_id,
    base: r.base === null ? null : (JSON.parse(r.base) as StagedBase),
    session: r.session === null ? null : (JSON.parse(r.session) as UploadSession),
    userMeta: r.user_meta,
    attempts: r.attempts,
    lastError: r.last_error,
    notBefore: r.not_before,
    waitOp: r.wait_op,
    expectRevision: r.expect_revision,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** What a status lists of each kind, and in which order: uploads in flight first, then soonest due; failures in the order made. */
export const LISTED_FIRST: Readonly<Record<'pending' | 'failed', { has: (row: JournalRow) => boolean; order: (a: JournalRow, b: JournalRow) => number }>> = {
  pending: {
    has: (row) => row.state === 'dirty' || row.state === 'uploading',
    order: (a, b) => Number(b.state === 'uploading') - Number(a.state === 'uploading') || a.notBefore - b.notBefore || a.id - b.id,
  },
  failed: { has: (row) => row.state === 'failed', order: (a, b) => a.id - b.id },
};

/** A name's key among the rows: its volume, folder and NFC name (find's memo, JournalNameKeys). */
export function findKey(volume: string, parentId: string, name: string): string {
  return `${volume}\0${parentId}\0${nameKey(name)}`;
}

/** The key of a folder's rows (one separator where findKey has two: the two never meet). */
export function folderKey(volume: string, parentId: string): string {
  return `${volume}\0${parentId}`;
}

export function toParams(r: Omit<JournalRow, 'id'>): Record<string, unknown> {
  return {
    ...r,
    nameNfc: nameKey(r.name),
    session: r.session === null ? null : JSON.stringify(r.session),
    base: r.base === null ? null : JSON.stringify(r.base),
  };
}

/** Journal columns by JournalRow field (name_nfc follows name). */
export const COLUMN_OF: Readonly<Record<keyof Omit<JournalRow, 'id'>, string>> = {
  volume: 'volume', parentId: 'parent_id', name: 'name', stagingPath: 'staging_path', size: 'size', mtime: 'mtime', sha1: 'sha1',
  state: 'state', replaceId: 'replace_id', base: 'base', session: 'session', userMeta: 'user_meta', attempts: 'attempts',
  lastError: 'last_error', notBefore: 'not_before', waitOp: 'wait_op', expectRevision: 'expect_revision', createdAt: 'created_at', updatedAt: 'updated_at',
};
