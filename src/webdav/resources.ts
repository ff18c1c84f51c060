// What a URL names, as WebDAV sees it: a Vfs node, one of Finder's virtual or local-only files, or the
// placeholder of a LOCK on an unmapped URL. Listings come from the Vfs's cached listing, read a page
// at a time, plus local rows, so PROPFIND never makes a backend call per child.
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
  /**
   * What webdav-server found at the requested path before our handler ran (it checks existence,
   * then asks the type, for its Allow header), per request context: the handler's first look takes
   * it instead of a third stat. Dropped once taken, so nothing later in the request reads it.
   */
  private readonly early = new WeakMap<object, { path: string; resource: Promise<DavResource | undefined>; taken: boolean }>();

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

  /** stat, shared by webdav-server's looks at `path` made for request `ctx` before its handler runs. */
  statEarly(ctx: object, path: string): Promise<DavResource | undefined> {
    const seen = this.early.get(ctx);
    if (seen?.taken) return this.stat(path);
    if (seen?.path === path) return seen.resource;
    const resource = this.stat(path);
    this.early.set(ctx, { path, resource, taken: false });
    return resource;
  }

  /** The handler's first look at its own path: what webdav-server found (a failed look is made again). */
  requested(ctx: object, path: string): Promise<DavResource | undefined> {
    const seen = this.early.get(ctx);
    this.early.set(ctx, { path, resource: Promise.resolve(undefined), taken: true });
    return seen && !seen.taken && seen.path === path ? seen.resource.catch(() => this.stat(path)) : this.stat(path);
  }

  /** Children of a collection, all at once (small folders: the HTML listing). See listPages. */
  async list(dir: string): Promise<DavResource[]> {
    const out: DavResource[] = [];
    for await (const page of this.listPages(dir)) out.push(...page);
    return out;
  }

  /**
   * Children of a collection a page at a time: the Vfs listing (Finder's names and staging names
   * filtered), then local files and the placeholders whose name the listing did not show.
   */
  async *listPages(dir: string): AsyncGenerator<DavResource[]> {
    const placeholders = new Map(this.locks.placeholdersIn(dir).map((l) => [baseName(l.root), l]));
    for await (const nodes of this.vfs.readdirPages(dir)) {
      const out: DavResource[] = [];
      for (const n of nodes) {
        placeholders.delete(n.name);
        if (isSidecarName(n.name) || isStagingName(n.name) || isVirtualName(n.name)) continue;
        out.push(fromNode(n));
      }
      yield out;
    }
    const local = this.store.sidecarsIn(dir).map((s) => fromSidecar(joinPath(dir, s.name), s));
    for (const l of placeholders.values()) local.push(placeholder(l.root, l.createdAt));
    if (local.length > 0) yield local;
  }
}

/** Quoted ETag header value, or undefined for collections. */
export function quotedEtag(r: DavResource): string | undefined {
  return r.etag === undefined ? undefined : `"${r.etag}"`;
}

function fromNode(n: NodeInfo): DavResource {
  // Built field by field: this runs once per entry of every listing.
  const isDir = n.kind === 'dir';
  const r: DavResource = { path: n.path, name: n.name, isDir, size: isDir ? 0 : n.size, mtime: n.mtime, ctime: n.ctime, source: 'vfs' };
  const tag = n.contentHash ?? n.etag;
  if (!isDir && tag) r.etag = tag;
  if (n.contentHash) r.sha1 = n.contentHash.toLowerCase();
  if (n.readOnly) r.readOnly = true;
  return r;
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
