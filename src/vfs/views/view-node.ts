// Nodes of the views: read-only directories and files that stand for drive files (search,
// starred, trash) or for earlier contents of a file (versions). A view file is read through the
// function it carries; every write is refused with EROFS.
import type { BlockCache } from '../../cache/blocks/block-cache.js';
import { VfsError } from '../../core/errors.js';
import type { RemoteEntry } from '../../core/remote.js';
import type { FileHandle, NodeInfo, OpenFlags } from '../types.js';
import type { Volume } from '../volume.js';
import type { ViewRemote } from '../../core/view-remote.js';

export type ReadFn = (into: Buffer, position: number, length: number, readerId: string) => Promise<number>;

export interface ViewNode {
  name: string;
  kind: 'file' | 'dir';
  size: number;
  mtime: number;
  ctime: number;
  /** Unique within the views: gives the inode number. */
  identity: string;
  etag: string;
  contentHash?: string;
  /** The drive file it stands for (trash, search, starred): restore, purge, attributes. */
  target?: { volume: Volume; remote: ViewRemote; id: string };
  /** Trash entries can be moved out (restore) and deleted (purge); nothing else can change. */
  movable?: boolean;
  read?: ReadFn;
  /** Puts it back in place: a trash entry where it was, a revision as the file's current content. */
  restore?: () => Promise<void>;
  /** Children of a directory node. */
  list?: () => Promise<ViewNode[]>;
  /** The view's own answer for `lookup` below this node (search/ takes any query as a name). */
  lookup?: (name: string) => ViewNode | undefined;
}

export function dirNode(name: string, identity: string, extra: Partial<ViewNode> = {}): ViewNode {
  return { name, kind: 'dir', size: 0, mtime: STARTED, ctime: STARTED, identity, etag: '', ...extra };
}

const STARTED = Date.now();

/** A node for a drive file, read through the block cache like any other remote file. */
export function entryNode(name: string, volume: Volume, remote: ViewRemote, e: RemoteEntry, blocks: BlockCache, extra: Partial<ViewNode> = {}): ViewNode {
  const file = { volume: volume.id, fileId: e.id, revision: e.revision, size: e.size };
  return {
    name,
    kind: e.kind,
    size: e.kind === 'file' ? e.size : 0,
    mtime: e.mtime,
    ctime: e.ctime,
    identity: `${volume.id}|id|${e.id}`,
    etag: e.kind === 'file' ? (e.contentHash ?? e.revision) : '',
    ...(e.contentHash ? { contentHash: e.contentHash } : {}),
    target: { volume, remote, id: e.id },
    ...(e.kind === 'file' ? { read: (into, pos, len, readerId) => blocks.read(file, into, pos, len, readerId) } : {}),
    ...extra,
  };
}

export function erofs(path: string): VfsError {
  return new VfsError('EROFS', 'this folder is a read-only view (only a move out of trash/ or a delete inside it changes anything)', path);
}

let nextReader = 0;

export class ViewFileHandle implements FileHandle {
  private readonly readerId = `view${++nextReader}`;

  constructor(
    readonly path: string,
    private readonly node: ViewNode,
    private readonly info: NodeInfo,
    private readonly onRelease: (readerId: string) => void,
  ) {}

  static open(path: string, node: ViewNode, info: NodeInfo, flags: OpenFlags, onRelease: (readerId: string) => void): ViewFileHandle {
    if (node.kind === 'dir') throw new VfsError('EISDIR', 'is a directory', path);
    if (flags.write || flags.truncate || flags.create || flags.append) throw erofs(path);
    return new ViewFileHandle(path, node, info, onRelease);
  }

  async read(into: Buffer, position: number, length: number): Promise<number> {
    const n = Math.min(length, into.length, Math.max(0, this.node.size - position));
    if (n <= 0 || !this.node.read) return 0;
    return this.node.read(into, position, n, this.readerId);
  }

  write(): Promise<number> {
    return Promise.reject(erofs(this.path));
  }

  truncate(): Promise<void> {
    return Promise.reject(erofs(this.path));
  }

  // A read-only handle has nothing to flush or sync.
  async flush(): Promise<void> {}

  async sync(): Promise<void> {}

  async release(): Promise<void> {
    this.onRelease(this.readerId);
  }

  changedSinceFlush(): boolean {
    return false;
  }

  async stat(): Promise<NodeInfo> {
    return this.info;
  }
}
