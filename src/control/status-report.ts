// What `GET /status` answers: one JSON document describing a running daemon. The CLI and the
// status page read this shape; it holds names and figures, never paths of the cache or tokens.
import type { JournalRow } from '../cache/metadata/journal.js';
import type { Op } from '../cache/metadata/ops.js';
import type { FuseRequestCounts } from '../core/fuse-request-counts.js';
import type { VfsAdmin } from '../vfs/admin.js';
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

/** A namespace change in the op log (made offline, or an attribute change): waiting for replay, or a notice (lost, or replayed keeping both sides). */
export interface ChangeItem {
  kind: Op['kind'];
  /** The entry's name (and the new name of a move). */
  name: string;
  volume: string;
  state: Op['state'];
  /** Epoch ms the change was made. */
  at: number;
  /** What happened at replay (notices), or why the last attempt failed. */
  message: string | null;
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
  /** Whether PDS answers; while it does not, changes wait in the journal and the op log. */
  pds: {
    online: boolean;
    /** Epoch ms of the last change between online and offline. */
    since: number;
    /** Namespace changes and uploads waiting for PDS. */
    changesWaiting: number;
  };
  /** Namespace changes in the op log: waiting, and notices of lost ones and conflicts. */
  changes: {
    pending: number;
    lost: number;
    conflicts: number;
    /** Replayed since the daemon started. */
    replayed: number;
    waiting: ChangeItem[];
    notices: ChangeItem[];
  };
  listCalls: number;
  /** Set when the login is dead ("login expired: run pdsfs login"); uploads wait for a new one. */
  login: string | null;
  recentErrors: LogEvent[];
  throughput: Throughput;
  /**
   * A FUSE mount's requests: answered by JS per op, getattrs the binding answered from attributes JS
   * handed over, those it answered ENOENT from the names of a folder made through the mount,
   * chmods it answered because they changed nothing, read-only opens it answered (and the releases
   * of those JS never used), and how many of those JS opened at their first use.
   */
  fuse?: FuseRequestCounts;
}

export interface StatusSources {
  admin: Pick<VfsAdmin, 'status' | 'uploads' | 'offline' | 'namespaceChanges'>;
  volumes: readonly Volume[];
  role: string;
  startedAt: number;
  recentErrors: () => LogEvent[];
  throughput: () => Throughput;
  fuse?: () => FuseRequestCounts;
}

export function buildStatus(src: StatusSources): DaemonStatus {
  const { pendingFiles, pendingBytes, failedFiles, sentBytes, listCalls, blocks } = src.admin.status();
  const uploads = src.admin.uploads(LISTED_UPLOADS);
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
  const lookups = blocks.hits + blocks.misses;
  const offline = src.admin.offline();
  const changes = src.admin.namespaceChanges(LISTED_UPLOADS);
  const change = (op: Op): ChangeItem => ({
    kind: op.kind,
    name: [op.entry?.name, op.name].filter((n, i, all) => n && all.indexOf(n) === i).join(' → ') || op.nodeId,
    volume: dirName(op.volume),
    state: op.state,
    at: op.createdAt,
    message: op.lastError,
  });
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
      pending: uploads.pending.map(item),
      failed: uploads.failed.map(item),
    },
    pds: { online: offline.online, since: offline.since, changesWaiting: offline.changes.pending + pendingFiles },
    changes: {
      pending: offline.changes.pending,
      lost: offline.changes.lost,
      conflicts: offline.changes.conflicts,
      replayed: offline.replayed,
      waiting: changes.pending.map(change),
      notices: changes.notices.map(change),
    },
    listCalls,
    login: src.volumes.map((v) => v.remote.loginProblem?.()).find((p) => p !== undefined) ?? null,
    recentErrors: src.recentErrors(),
    throughput: src.throughput(),
    ...(src.fuse ? { fuse: src.fuse() } : {}),
  };
}
