// What the views (trash/, versions/, search/, starred/, photos/) need from a drive beyond the Remote
// seam: the recycle bin, file revisions, search, media and file metadata. pds/DriveRemote implements
// it; share links do not, so views list drives only.
import type { Remote, RemoteEntry } from './remote.js';

export interface TrashedEntry extends RemoteEntry {
  /** Epoch ms the entry went to the recycle bin. */
  trashedAt: number;
}

export interface FileRevision {
  revisionId: string;
  /** Epoch ms this content was written. */
  time: number;
  size: number;
  /** Uppercase hex SHA-1. */
  contentHash: string;
  latest: boolean;
}

/** Metadata shown as extended attributes and WebDAV properties. */
export interface FileMeta {
  starred: boolean;
  labels: string[];
  description: string;
  /** Images with EXIF: capture time (ISO 8601) and "latitude,longitude". Read-only. */
  takenAt?: string;
  location?: string;
}

/** The settable part of FileMeta. */
export type MetaChange = Partial<Pick<FileMeta, 'starred' | 'labels' | 'description'>>;

export interface MediaEntry {
  entry: RemoteEntry;
  /** Epoch ms: capture time, or the upload time when the file has none. */
  takenAt: number;
}

export interface ViewRemote {
  /** Newest trashed first (only the roots of trashed subtrees). */
  trashed(): Promise<TrashedEntry[]>;
  /** Back to where it was (or the drive root when that folder is gone). */
  restore(id: string): Promise<void>;
  /** Newest first, the current content included. */
  revisions(id: string): Promise<FileRevision[]>;
  restoreRevision(id: string, revisionId: string): Promise<void>;
  /** Files matching a PDS file/search query. */
  search(query: string): Promise<RemoteEntry[]>;
  /** Images and videos of the drive. */
  media(): Promise<MediaEntry[]>;
  meta(id: string): Promise<FileMeta>;
  setMeta(id: string, changes: MetaChange): Promise<void>;
}

export function viewRemoteOf(remote: Remote): (Remote & ViewRemote) | undefined {
  return 'revisions' in remote && 'trashed' in remote ? (remote as Remote & ViewRemote) : undefined;
}

/** A file/search string literal: the query language quotes with " and escapes with \. */
export function queryString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A VFS that can read and change FileMeta by path (the views VFS). */
export interface MetaAccess {
  /** undefined: the path is not a file or folder of a drive. */
  meta(path: string): Promise<FileMeta | undefined>;
  setMeta(path: string, changes: MetaChange): Promise<void>;
}

export function metaAccessOf(vfs: object): MetaAccess | undefined {
  return 'meta' in vfs && 'setMeta' in vfs ? (vfs as MetaAccess) : undefined;
}
