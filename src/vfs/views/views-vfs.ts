// The views beside drives/ and shares/: trash/, versions/, search/, starred/ and photos/, over the main VFS.
// Paths under a view are answered here; everything else goes to the main VFS unchanged. Views are
// read-only, except that a trash entry can be moved out (restored there) or deleted (purged).
import type { BlockCache } from '../../cache/blocks/block-cache.js';
import { VfsError } from '../../core/errors.js';
import { joinPath, splitPath } from '../names.js';
import type { VfsAdmin } from '../admin.js';
import type { SpaceInfo } from '../../core/remote.js';
import type { FileHandle, NodeInfo, OpenFlags, Vfs } from '../types.js';
import type { PosixAttrs } from '../posix-attrs.js';
import type { Volume } from '../volume.js';
import { photosView } from './photos-view.js';
import { searchView, starredView } from './search-view.js';
import { trashView } from './trash-view.js';
import { versionsView } from './versions-view.js';
import type { ViewContext } from './view-context.js';
import { erofs, ViewFileHandle, type ViewNode } from './view-node.js';
import { type FileMeta, type MetaAccess, type MetaChange, viewRemoteOf } from '../../core/view-remote.js';

/** Listings of views are reused this long (and dropped on any change made through pdsfs). */
const LISTING_TTL_MS = 5000;

export interface ViewsOptions {
  /** One drive at "/" (--drive): its paths have no drives/<name>/ prefix. */
  single: boolean;
  /** Show the views at the root; without it only the attributes (meta, setMeta) are offered. */
  show: boolean;
}

export class ViewsVfs implements Vfs, MetaAccess {
  private readonly roots: Map<string, ViewNode>;
  private readonly listings = new Map<string, { at: number; nodes: Promise<ViewNode[]> }>();
  private readonly inos = new Map<string, number>();
  // Far above the main VFS's inode numbers, so a view node never shares one with a drive node.
  private nextIno = 2 ** 40;

  /** The main VFS's, seeing the views: a poll drops their listings, a path in a view is on no drive. */
  readonly admin: VfsAdmin;

  constructor(
    private readonly inner: Vfs,
    private readonly innerAdmin: VfsAdmin,
    volumes: readonly Volume[],
    private readonly blocks: BlockCache,
    private readonly opts: ViewsOptions,
  ) {
    const ctx: ViewContext = {
      drives: volumes.flatMap((volume) => {
        const remote = volume.kind === 'drive' ? viewRemoteOf(volume.remote) : undefined;
        return remote ? [{ volume, remote }] : [];
      }),
      blocks,
      inner,
      locate: (path) => innerAdmin.locate(path),
      drivePath: (volume, segments) => (opts.single ? '/' : `/drives/${volume.dirName}/`) + segments.join('/'),
    };
    this.roots = new Map([trashView(ctx), versionsView(ctx), searchView(ctx), starredView(ctx), photosView(ctx)].map((n) => [n.name, n]));
    this.admin = {
      ...innerAdmin,
      pollNow: () => {
        this.listings.clear();
        return innerAdmin.pollNow();
      },
      locate: (path, o) => (this.viewOf(path) ? Promise.reject(new VfsError('EINVAL', 'not inside a drive or share', path)) : innerAdmin.locate(path, o)),
    };
  }

  async stat(path: string): Promise<NodeInfo> {
    const view = this.viewOf(path);
    if (!view) return this.inner.stat(path);
    return this.describe(path, await this.resolve(view));
  }

  async readdir(path: string): Promise<NodeInfo[]> {
    const out: NodeInfo[] = [];
    for await (const page of this.readdirPages(path)) out.push(...page);
    return out;
  }

  /** Drive folders pass through page by page (they may be large); a view's listing is one page. */
  async *readdirPages(path: string): AsyncGenerator<NodeInfo[]> {
    const view = this.viewOf(path);
    if (!view) {
      if (!this.opts.show || splitPath(path).length > 0) {
        yield* this.inner.readdirPages(path);
        return;
      }
      // The root: the views beside drives/ and shares/ (or beside the drive's own entries).
      for await (const page of this.inner.readdirPages(path)) yield page.filter((n) => !this.roots.has(n.name));
      yield [...this.roots.values()].map((n) => this.describe(joinPath('/', n.name), n));
      return;
    }
    const dir = await this.resolve(view);
    if (dir.kind !== 'dir') throw new VfsError('ENOTDIR', 'not a directory', path);
    yield (await this.children(path, dir)).map((c) => this.describe(joinPath(path, c.name), c));
  }

  /** Views are listed when read; drive folders pass through. */
  async listAhead(path: string): Promise<void> {
    if (!this.viewOf(path)) await this.inner.listAhead(path);
  }

  async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    const view = this.viewOf(path);
    if (!view) {
      if (flags.write) this.changed();
      return this.inner.open(path, flags);
    }
    const node = await this.resolve(view).catch((err: unknown) => {
      throw flags.create && VfsError.is(err, 'ENOENT') ? erofs(path) : err;
    });
    return ViewFileHandle.open(path, node, this.describe(path, node), flags, (readerId) => this.blocks.forgetReader(readerId));
  }

  mkdir(path: string, attrs?: PosixAttrs): Promise<NodeInfo> {
    if (this.viewOf(path)) return Promise.reject(erofs(path));
    return this.changing(() => this.inner.mkdir(path, attrs));
  }

  rename(from: string, to: string, opts?: { overwrite?: boolean }): Promise<void> {
    const source = this.viewOf(from);
    if (this.viewOf(to)) return Promise.reject(erofs(to));
    return this.changing(async () => {
      if (!source) return this.inner.rename(from, to, opts);
      const node = await this.resolve(source);
      if (!node.movable || !node.target) throw erofs(from);
      await this.restoreTo(node, to);
    });
  }

  copy(from: string, to: string, opts?: { overwrite?: boolean }): Promise<void> {
    const source = this.viewOf(from);
    if (this.viewOf(to)) return Promise.reject(erofs(to));
    return this.changing(async () => {
      if (!source) return this.inner.copy(from, to, opts);
      const node = await this.resolve(source);
      if (node.kind !== 'file') throw new VfsError('EINVAL', 'only files can be copied out of a view', from);
      if (opts?.overwrite === false && (await this.inner.stat(to).catch(() => undefined))) throw new VfsError('EEXIST', 'file exists', to);
      await this.copyOut(from, node, to);
    });
  }

  remove(path: string, opts?: { recursive?: boolean; permanent?: boolean }): Promise<void> {
    const view = this.viewOf(path);
    return this.changing(async () => {
      if (!view) return this.inner.remove(path, opts);
      const node = await this.resolve(view);
      if (!node.movable || !node.target) throw erofs(path);
      // Deleting inside trash/ purges for good.
      await node.target.volume.remote.delete(node.target.id);
      await this.admin.pollNow();
    });
  }

  setMtime(path: string, mtime: number): Promise<void> {
    if (this.viewOf(path)) return Promise.reject(erofs(path));
    return this.changing(() => this.inner.setMtime(path, mtime));
  }

  setAttrs(path: string, attrs: PosixAttrs): Promise<void> {
    if (this.viewOf(path)) return Promise.reject(erofs(path));
    return this.changing(() => this.inner.setAttrs(path, attrs));
  }

  statfs(path: string): Promise<SpaceInfo> {
    return this.inner.statfs(this.viewOf(path) ? '/' : path);
  }

  async drain(onProgress?: (pendingFiles: number, pendingBytes: number) => void): Promise<void> {
    await this.inner.drain(onProgress);
    this.changed();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** A trash entry back where it was, or a revision back as its file's content (pdsfs trash|versions restore). */
  restore(path: string): Promise<void> {
    const view = this.viewOf(path);
    return this.changing(async () => {
      const node = view ? await this.resolve(view) : undefined;
      if (!node?.restore) throw new VfsError('EINVAL', 'only entries of trash/ and files of versions/ can be restored', path);
      await node.restore();
      await this.admin.pollNow();
    });
  }

  /** Starred, labels and description of the drive file a path stands for (undefined: not a drive file). */
  async meta(path: string): Promise<FileMeta | undefined> {
    const target = await this.targetOf(path);
    return target ? target.remote.meta(target.id) : undefined;
  }

  async setMeta(path: string, changes: MetaChange): Promise<void> {
    const target = await this.targetOf(path);
    if (!target) throw new VfsError('EINVAL', 'only files and folders of a drive have these attributes', path);
    await target.remote.setMeta(target.id, changes);
    this.changed();
  }

  // ---- helpers ----

  /** The view path's segments below the root ([view, ...]), or undefined for main VFS paths. */
  private viewOf(path: string): string[] | undefined {
    const segments = splitPath(path);
    return this.opts.show && segments.length > 0 && this.roots.has(segments[0]!) ? segments : undefined;
  }

  private async resolve(segments: string[]): Promise<ViewNode> {
    let node = this.roots.get(segments[0]!)!;
    let path = `/${segments[0]}`;
    for (const name of segments.slice(1)) {
      if (node.kind !== 'dir') throw new VfsError('ENOTDIR', 'not a directory', path);
      const next = node.lookup?.(name) ?? (await this.children(path, node)).find((c) => c.name.normalize('NFC') === name.normalize('NFC'));
      path = joinPath(path, name);
      if (!next) throw new VfsError('ENOENT', 'no such file or directory', path);
      node = next;
    }
    return node;
  }

  private children(path: string, dir: ViewNode): Promise<ViewNode[]> {
    const cached = this.listings.get(path);
    if (cached && Date.now() - cached.at < LISTING_TTL_MS) return cached.nodes;
    const nodes = dir.list ? dir.list() : Promise.resolve([]);
    this.listings.set(path, { at: Date.now(), nodes });
    nodes.catch(() => this.listings.delete(path));
    return nodes;
  }

  private changed(): void {
    this.listings.clear();
  }

  /** A change made through pdsfs: listings of views may show it, before and after. */
  private async changing<T>(fn: () => Promise<T>): Promise<T> {
    this.changed();
    try {
      return await fn();
    } finally {
      this.changed();
    }
  }

  private describe(path: string, n: ViewNode): NodeInfo {
    let ino = this.inos.get(n.identity);
    if (ino === undefined) {
      ino = this.nextIno++;
      this.inos.set(n.identity, ino);
    }
    return {
      path, name: n.name, kind: n.kind, size: n.size, mtime: n.mtime, ctime: n.ctime, etag: n.etag,
      ...(n.contentHash ? { contentHash: n.contentHash } : {}),
      ino, readOnly: !n.movable, pending: false,
    };
  }

  private async targetOf(path: string): Promise<{ remote: NonNullable<ReturnType<typeof viewRemoteOf>>; id: string } | undefined> {
    const view = this.viewOf(path);
    if (view) {
      const t = (await this.resolve(view)).target;
      return t ? { remote: viewRemoteOf(t.volume.remote)!, id: t.id } : undefined;
    }
    const at = await this.innerAdmin.locate(path).catch(() => undefined);
    const remote = at && at.volume.kind === 'drive' && at.id !== at.volume.remote.rootId ? viewRemoteOf(at.volume.remote) : undefined;
    return remote && at ? { remote, id: at.id } : undefined;
  }

  /**
   * Restores a trash entry, then moves it where it was asked to go (same drive only). Both are
   * changes on PDS by id: they come after the changes waiting for their replay (a folder made offline
   * gets its PDS id then); nothing is restored while they cannot come first (PDS unreachable).
   */
  private async restoreTo(node: ViewNode, to: string): Promise<void> {
    const target = node.target!;
    const cut = to.lastIndexOf('/');
    const parentPath = cut <= 0 ? '/' : to.slice(0, cut);
    const name = to.slice(cut + 1);
    const parent = await this.innerAdmin.locate(parentPath, { forChange: 'restoring from trash/' });
    if (parent.kind !== 'dir') throw new VfsError('ENOTDIR', 'not a directory', parentPath);
    if (parent.volume.id !== target.volume.id) throw new VfsError('EXDEV', 'an entry of trash/ can only be restored into its own drive', to);
    if (await this.inner.stat(to).catch(() => undefined)) throw new VfsError('EEXIST', 'the destination exists: move it away first', to);
    this.changed();
    await target.remote.restore(target.id);
    try {
      await target.volume.remote.move(target.id, parent.id, name);
    } catch (err) {
      // Refused (the name taken on PDS meanwhile, say): back to the recycle bin, so that a failed
      // move leaves the entry where it was, not restored at its old place.
      await target.volume.remote.trash(target.id).catch(() => undefined);
      throw err;
    } finally {
      await this.admin.pollNow();
    }
  }

  /** Copies a view file's bytes to a new file of the main VFS (how an old version comes back). */
  private async copyOut(from: string, node: ViewNode, to: string): Promise<void> {
    const src = ViewFileHandle.open(from, node, this.describe(from, node), { read: true, write: false }, (id) => this.blocks.forgetReader(id));
    const dst = await this.inner.open(to, { read: false, write: true, create: true, truncate: true });
    try {
      const buf = Buffer.alloc(1 << 20);
      for (let pos = 0; ; ) {
        const n = await src.read(buf, pos, buf.length);
        if (n === 0) break;
        await dst.write(buf, pos, n);
        pos += n;
      }
      await dst.flush();
    } finally {
      await dst.release();
      await src.release();
    }
  }
}
