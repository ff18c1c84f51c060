// The seam below the VFS: one Remote per drive or share link. pds/ implements it; the VFS and the
// caches see nothing else of PDS. Every method throws VfsError.

export type EntryKind = 'file' | 'dir';

export interface RemoteEntry {
  id: string;
  parentId: string;
  name: string;
  kind: EntryKind;
  /** Bytes; 0 for directories. */
  size: number;
  /** Epoch ms: local_modified_at when set, else updated_at. */
  mtime: number;
  /** Epoch ms: created_at. */
  ctime: number;
  /** Changes whenever content changes: content hash (or revision id) for files, '' for dirs. */
  revision: string;
  /** Uppercase hex SHA-1 when known. */
  contentHash?: string;
  /** Free-form metadata string kept with the file (PDS user_meta); POSIX attributes live in it (posix-attrs.ts). */
  userMeta?: string;
  /**
   * The server lets this user only read it (and, for a folder, what is in it): nothing may be
   * created, changed, moved or deleted here. From the file's permission fields where the service
   * sends them (PDS action_list); absent means writable as far as is known.
   */
  readOnly?: boolean;
}

export interface RemoteCapabilities {
  readOnly: boolean;
  serverSideCopy: boolean;
  maxNameBytes: number;
  /** list_delta is available (otherwise the VFS falls back to listing TTLs). */
  changeFeed: boolean;
}

export interface SpaceInfo {
  /** Bytes; Infinity when unlimited. */
  total: number;
  used: number;
  free: number;
}

export interface RemoteChange {
  op: 'create' | 'overwrite' | 'delete' | 'update' | 'move' | 'trash' | 'restore' | 'rename';
  id: string;
  /** Present unless the change feed only had the id (deletes). */
  entry?: RemoteEntry;
}

export type ChangePage = { items: RemoteChange[]; cursor: string; hasMore: boolean; expired?: false } | { expired: true };

/** Where an interrupted multipart upload stands, persisted by the caller so it survives a crash. */
export interface UploadSession {
  fileId: string;
  uploadId: string;
  partSize: number;
  partCount: number;
  /** Declared parallel_upload: parts may arrive in any order. */
  parallel?: boolean;
}

export interface UploadOptions {
  /** Replace this existing file (new revision, same id) instead of creating a new name. */
  replaceId?: string;
  /** Uppercase hex SHA-1 of the content, when already known: enables rapid upload. */
  sha1?: string;
  /** Epoch ms, stored as local_modified_at. */
  mtime?: number;
  /** Stored as the file's user_meta. */
  userMeta?: string;
  /** Resume this session (from list_uploaded_parts) instead of starting a new one. */
  resume?: UploadSession;
  /** Called once a session exists, so the caller can persist it for resume after a crash. */
  onSession?: (session: UploadSession) => void;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  signal?: AbortSignal;
}

export interface RemoteChanges {
  name?: string;
  /** Epoch ms, stored as local_modified_at. */
  mtime?: number;
  userMeta?: string;
}

export interface Remote {
  /** Stable volume id, e.g. "drive:1" or "share:abc". */
  readonly volumeId: string;
  /** Id of the volume's root directory ("root" for drives). */
  readonly rootId: string;
  readonly capabilities: RemoteCapabilities;

  list(dirId: string, signal?: AbortSignal): AsyncIterable<RemoteEntry>;
  /**
   * The same entries, a page of the server's (one list call) at a time, where the remote has pages:
   * a listing stores a page per transaction, and taking its entries one by one cost more than their
   * own work.
   */
  listPages?(dirId: string, signal?: AbortSignal): AsyncIterable<RemoteEntry[]>;
  get(id: string, signal?: AbortSignal): Promise<RemoteEntry>;
  /**
   * The entry at a path of stored names below the root, in one round trip; undefined when the
   * server has none there. Only where the service resolves paths (PDS drives: file/get_by_path).
   */
  getByPath?(names: readonly string[], signal?: AbortSignal): Promise<RemoteEntry | undefined>;
  /**
   * Bytes [start, endInclusive] of the given revision (revisionId: an earlier one of the server's),
   * chunk by chunk as they arrive; ending the iteration early ends the transfer.
   */
  openRange(entry: Pick<RemoteEntry, 'id' | 'revision' | 'size'> & { revisionId?: string }, start: number, endInclusive: number, signal?: AbortSignal): Promise<AsyncIterable<Buffer>>;
  /** EEXIST when the name is taken. */
  createDir(parentId: string, name: string, opts?: { userMeta?: string }): Promise<RemoteEntry>;
  /** Uploads a local file. EEXIST when the name is taken and replaceId is not given. */
  upload(parentId: string, name: string, localPath: string, size: number, opts?: UploadOptions): Promise<RemoteEntry>;
  /** Rename in place and/or set mtime or user_meta. EEXIST when the new name is taken. */
  update(id: string, changes: RemoteChanges): Promise<RemoteEntry>;
  /** EEXIST when the target name is taken. */
  move(id: string, newParentId: string, newName: string): Promise<RemoteEntry>;
  /** Server-side copy; `to` defaults to this remote. Waits for async tasks. */
  copy(id: string, newParentId: string, newName: string, to?: Remote): Promise<RemoteEntry>;
  /** To the recycle bin. */
  trash(id: string): Promise<void>;
  /** Permanent removal. */
  delete(id: string): Promise<void>;
  statfs(): Promise<SpaceInfo>;
  /** Change feed (capabilities.changeFeed): cursor of "now". */
  latestCursor?(): Promise<string>;
  /** Changes after cursor; loop while hasMore. `expired`: the server cannot continue from this cursor. */
  changes?(cursor: string): Promise<ChangePage>;
  /** Why the remote cannot authenticate now (a dead login; work waits for a new one), else undefined. */
  loginProblem?(): string | undefined;
}
