// What `GET /status` answers: one JSON document describing a running daemon. The CLI and the
// status page read this shape; it holds names and figures, never paths of the cache or tokens.
import type { JournalRow } from '../cache/metadata/journal.js';
import type { PdsVfs } from '../vfs/pds-vfs.js';
import type { Volume } from '../vfs/volume.js';
import type { LogEvent } from './log-events.js';
import type { Throughput } from './throughput.js';

/** Rows listed per kind (pending, failed); the counts cover all of them. */
export const LISTED_UPLOADS = 100;

export interface UploadItem {
  name: string;
  /** Directory name of the volume (drive or share) it goes to. */
  volume: string;
  size: number;
  state: 'dirty' | 'uploading' | 'failed';
  attempts: number;
  lastError: string | null;
  /** Bytes accepted so far, while uploading. */
  sentBytes?: number;
}

export interface DaemonStatus {
  pid: number;
  /** What the daemon is, e.g. "serve http://127.0.0.1:8080" or "mount /mnt/pds". */
  role: string;
  startedAt: number;
  volumes: { name: string; kind: Volume['kind']; readOnly: boolean }[];
  cache: { memBytes: number; diskBytes: number; hits: number; misses: number; hitRatio: number | null; fetchedBytes: number };
  uploads: {
    pendingFiles: number;
    pendingBytes: number;
    failedFiles: number;
    /** Bytes sent by uploads since the daemon started. */
    sentBytes: number;
    pending: UploadItem[];
    failed: UploadItem[];
  };
  listCalls: number;
  /** Set when the login is dead ("login expired: run pdsfs login"); uploads wait for a new one. */
  login: string | null;
  recentErrors: LogEvent[];
  throughput: Throughput;
}

export interface StatusSources {
  vfs: Pick<PdsVfs, 'status' | 'uploads'>;
  volumes: readonly Volume[];
  role: string;
  startedAt: number;
  recentErrors: () => LogEvent[];
  throughput: () => Throughput;
}

export function buildStatus(src: StatusSources): DaemonStatus {
  const { pendingFiles, pendingBytes, failedFiles, sentBytes, listCalls, blocks } = src.vfs.status();
  const uploads = src.vfs.uploads();
  const dirName = (id: string) => src.volumes.find((v) => v.id === id)?.dirName ?? id;
  const item = (row: JournalRow): UploadItem => {
    const sent = uploads.inFlight.get(row.id);
    return {
      name: row.name,
      volume: dirName(row.volume),
      size: row.size,
      state: row.state === 'uploading' || row.state === 'failed' ? row.state : 'dirty',
      attempts: row.attempts,
      lastError: row.lastError,
      ...(sent ? { sentBytes: sent.done } : {}),
    };
  };
  // Uploads in flight first: they are what a person watches.
  const pending = [...uploads.pending].sort((a, b) => Number(b.state === 'uploading') - Number(a.state === 'uploading'));
  const lookups = blocks.hits + blocks.misses;
  return {
    pid: process.pid,
    role: src.role,
    startedAt: src.startedAt,
    volumes: src.volumes.map((v) => ({ name: v.dirName, kind: v.kind, readOnly: v.readOnly })),
    cache: {
      memBytes: blocks.memBytes,
      diskBytes: blocks.diskBytes,
      hits: blocks.hits,
      misses: blocks.misses,
      hitRatio: lookups > 0 ? blocks.hits / lookups : null,
      fetchedBytes: blocks.fetchedBytes,
    },
    uploads: {
      pendingFiles,
      pendingBytes,
      failedFiles,
      sentBytes,
      pending: pending.slice(0, LISTED_UPLOADS).map(item),
      failed: uploads.failed.slice(0, LISTED_UPLOADS).map(item),
    },
    listCalls,
    login: src.volumes.map((v) => v.remote.loginProblem?.()).find((p) => p !== undefined) ?? null,
    recentErrors: src.recentErrors(),
    throughput: src.throughput(),
  };
}
