// The seam above the VFS: both front-ends (WebDAV, FUSE) call only this. Paths are POSIX style,
// absolute within the namespace ("/", "/drives/My Drive/a.txt"). Every method throws VfsError (the
// app hands the front-ends a Vfs wrapped by error-boundary.ts, which makes sure of it).
import type { SpaceInfo } from '../core/remote.js';
import type { PosixAttrs } from './posix-attrs.js';

export type { SpaceInfo } from '../core/remote.js';

export interface NodeInfo {
  /** Absolute namespace path. */
  path: string;
  /** Last path segment as shown (may carry a duplicate-name suffix); '' for the root. */
  name: string;
  kind: 'file' | 'dir';
  size: number;
  /** Epoch ms. */
  mtime: number;
  ctime: number;
  /** Quoted-etag material: content hash for uploaded files, a local revision for pending ones, '' for dirs. */
  etag: string;
  /** Uppercase hex SHA-1 when known. */
  contentHash?: string;
  /** Stable numeric id within this process (for FUSE ino). */
  ino: number;
  /** The node belongs to a read-only volume (share link, or --read-only). */
  readOnly: boolean;
  /** Content is staged locally and not yet uploaded. */
  pending: boolean;
  /** POSIX attributes stored with the file (absent on files other PDS clients made). */
  attrs?: PosixAttrs;
}

export interface OpenFlags {
  read: boolean;
  write: boolean;
  create?: boolean;
  /** With create: fail with EEXIST when the file exists. */
  exclusive?: boolean;
  truncate?: boolean;
  append?: boolean;
  /** With create: the POSIX attributes a new file is stored with. */
  attrs?: PosixAttrs;
}

export interface FileHandle {
  readonly path: string;
  /** Returns the number of bytes read; 0 at EOF. Never waits for more than the blocks it needs. */
  read(into: Buffer, position: number, length: number): Promise<number>;
  /** Returns the number of bytes written. Positional; append mode ignores position. */
  write(from: Buffer, position: number, length: number): Promise<number>;
  truncate(size: number): Promise<void>;
  /**
   * Safe against pdsfs dying (kill -9, OOM, crash): the bytes are in the staging file (the kernel's
   * page cache) and the journal row is committed, which queues the upload. Surfaces failed uploads.
   */
  flush(): Promise<void>;
  /** flush, and durable against power loss as well: staging file and journal fsynced (fsync(2)). */
  sync(): Promise<void>;
  /** Last close of this handle: flushes and hands the file to write-back. */
  release(): Promise<void>;
  /** Whether release() may change what stat() answers: this handle wrote and was not flushed since. */
  changedSinceFlush(): boolean;
  stat(): Promise<NodeInfo>;
}

export interface Vfs {
  stat(path: string): Promise<NodeInfo>;
  readdir(path: string): Promise<NodeInfo[]>;
  /** The same listing a page at a time, so a folder of any size is never held whole. */
  readdirPages(path: string): AsyncIterable<NodeInfo[]>;
  /**
   * Brings the listing of the folder at path into the cache without reading it, so nothing is listed
   * ahead of it: what its first lookup or readdir would wait for (a daemon lists its root as it starts;
   * at the namespace's root, the drives' roots).
   */
  listAhead(path: string): Promise<void>;
  open(path: string, flags: OpenFlags): Promise<FileHandle>;
  mkdir(path: string, attrs?: PosixAttrs): Promise<NodeInfo>;
  /** POSIX rename semantics when overwrite is true; EEXIST when false and the target exists. */
  rename(from: string, to: string, opts?: { overwrite?: boolean }): Promise<void>;
  /** Server-side copy of a file or folder (recursive). */
  copy(from: string, to: string, opts?: { overwrite?: boolean }): Promise<void>;
  /** Files: unlink. Directories: ENOTEMPTY unless recursive. */
  remove(path: string, opts?: { recursive?: boolean; permanent?: boolean }): Promise<void>;
  /** Sets mtime (epoch ms); persisted as local_modified_at. */
  setMtime(path: string, mtime: number): Promise<void>;
  /** Stores the POSIX attributes of a file or folder (its mtime also as local_modified_at). */
  setAttrs(path: string, attrs: PosixAttrs): Promise<void>;
  statfs(path: string): Promise<SpaceInfo>;
  /** Waits until no upload is pending (or failed for good); reports progress. */
  drain(onProgress?: (pendingFiles: number, pendingBytes: number) => void): Promise<void>;
  /** Drains write-back, stops polling, closes SQLite. */
  close(): Promise<void>;
}
