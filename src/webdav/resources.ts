// What a URL names, as WebDAV sees it: a Vfs node, one of Finder's virtual or local-only files, or the
// placeholder of a LOCK on an unmapped URL. Listings come from one vfs.readdir snapshot plus local
// rows, so PROPFIND never makes a backend call per child.
import { VfsError } from '../core/errors.js';
import type { NodeInfo, Vfs } from '../vfs/types.js';
import type { DavStore, SidecarInfo } from './dav-store.js';
import { isSidecarName, isVirtualName } from './finder-files.js';
import type { LockTable } from './lock-table.js';
import { baseName, joinPath } from './request-path.js';

export type ResourceSource = 'vfs' | 'finder-virtual' | 'sidecar' | 'placeholder';

export interface DavResource {
  path: string;
  name: string;
  isDir: boolean;
  size: number;
  mtime: number;
  ctime: number;
  /** Opaque entity tag (unquoted); undefined for collections. */
  etag?: string;
  /** Lowercase hex SHA-1 when known. */
  sha1?: string;
  /** On a read-only volume (a share link, the namespace folders): no LOCK, no change. */
  readOnly?: boolean;
  source: ResourceSource;
}

// Temporary names used while uploads are staged (ours and the VFS's own): never shown to clients.
const STAGING_NAME = /^\.pdsfs-[\w-]+\.tmp$/;

export function isStagingName(name: string): boolean {
  return STAGING_NAME.test(name);
}

export class DavResources {
  constructor(
    private readonly vfs: Vfs,
    private readonly store: DavStore,
    private readonly locks: LockTable,
  ) {}

  /** The resource at `path`, or undefined when nothing is there. Other Vfs errors propagate. */
  async stat(path: string): Promise<DavResource | undefined> {
    const name = baseName(path);
    if (isVirtualName(name)) return virtualFile(path);
    if (isSidecarName(name)) {
      const side = this.store.sidecar(path);
      return side ? fromSidecar(path, side) : undefined;
    }
    try {
      return fromNode(await this.vfs.stat(path));
    } catch (err) {
      if (!VfsError.is(err, 'ENOENT')) throw err;
      const lock = this.locks.placeholderAt(path);
      return lock ? placeholder(path, lock.createdAt) : undefined;
    }
  }

  /** Children of a collection: the Vfs listing (Finder's names and staging names filtered), local files, placeholders. */
  async list(dir: string): Promise<DavResource[]> {
    const nodes = await this.vfs.readdir(dir);
    const out: DavResource[] = [];
    const names = new Set<string>();
    for (const n of nodes) {
      if (isSidecarName(n.name) || isStagingName(n.name) || isVirtualName(n.name)) continue;
      out.push(fromNode(n));
      names.add(n.name);
    }
    for (const s of this.store.sidecarsIn(dir)) out.push(fromSidecar(joinPath(dir, s.name), s));
    for (const l of this.locks.placeholdersIn(dir)) {
      if (!names.has(baseName(l.root))) out.push(placeholder(l.root, l.createdAt));
    }
    return out;
  }
}

/** Quoted ETag header value, or undefined for collections. */
export function quotedEtag(r: DavResource): string | undefined {
  return r.etag === undefined ? undefined : `"${r.etag}"`;
}

function fromNode(n: NodeInfo): DavResource {
  const isDir = n.kind === 'dir';
  const tag = n.contentHash ?? n.etag;
  return {
    path: n.path,
    name: n.name,
    isDir,
    size: isDir ? 0 : n.size,
    mtime: n.mtime,
    ctime: n.ctime,
    ...(!isDir && tag ? { etag: tag } : {}),
    ...(n.contentHash ? { sha1: n.contentHash.toLowerCase() } : {}),
    ...(n.readOnly ? { readOnly: true } : {}),
    source: 'vfs',
  };
}

function fromSidecar(path: string, s: SidecarInfo): DavResource {
  return { path, name: s.name, isDir: false, size: s.size, mtime: s.mtime, ctime: s.ctime, etag: `local-${s.mtime}-${s.size}`, source: 'sidecar' };
}

function virtualFile(path: string): DavResource {
  return { path, name: baseName(path), isDir: false, size: 0, mtime: 0, ctime: 0, etag: 'empty', source: 'finder-virtual' };
}

function placeholder(path: string, lockedAt: number): DavResource {
  return { path, name: baseName(path), isDir: false, size: 0, mtime: lockedAt, ctime: lockedAt, etag: 'empty', source: 'placeholder' };
}
