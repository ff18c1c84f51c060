// Path → node resolution over cached listings, with pending (not yet uploaded) files from the
// journal laid over the remote entries, so own writes show at once. A path two or more folders
// deep below a folder not listed yet is asked of the server in one round trip where it resolves
// paths (file/get_by_path), rather than one listing per folder on the way.
import type { Journal, JournalRow } from '../cache/metadata/journal.js';
import type { DirCache } from './dir-cache.js';
import type { LocalChanges } from './local-changes.js';
import { VfsError } from '../core/errors.js';
import { nameKey } from '../shared/name-key.js';
import { displayNames, joinPath, parseDupName, pickByDisplayName, splitPath } from './names.js';
import type { Namespace, VirtualDir } from './namespace.js';
import type { RemoteEntry } from '../core/remote.js';
import type { Volume } from './volume.js';

export interface VNode {
  path: string;
  name: string;
  kind: 'file' | 'dir';
  /** Namespace directory above the volumes. */
  virtual?: VirtualDir;
  volume?: Volume;
  /** Remote id: the directory's id for dirs (rootId for a volume root), the file's id for uploaded files. */
  id?: string;
  /** Remote id of the containing directory (undefined for roots). */
  parentId?: string;
  entry?: RemoteEntry;
  /** Pending content in the journal. */
  row?: JournalRow;
}

/** Resolved folders kept at most (a bound on memory, far above the folders an rsync or ls -R visits at once). */
const MAX_KEPT_FOLDERS = 10_000;

export class Resolver {
  /**
   * Folders resolved by path, valid while the dir cache's generation is the one they were resolved
   * under: every FUSE op resolves its whole path, and without this each folder above the file cost
   * three SQLite lookups per op. Only volumes with a change feed, whose listings never expire by age.
   */
  private readonly folders = new Map<string, VNode>();
  private foldersGeneration = -1;
  /**
   * The last path resolved to a file, while nothing it was read from has changed since (the dir
   * cache's rows and folders, the journal; a pending file's own row may have: rowStillThere): a FUSE
   * op resolves its path again to hand the binding its attributes, and an rsync'd file's eleven ops
   * made 24 resolutions, about half of them of a path just resolved. Only volumes with a change
   * feed, as for folders.
   */
  private lastFile: { path: string; volume: Volume; node: VNode; generation: number; writes: number; journal: number } | undefined;

  constructor(
    private readonly ns: Namespace,
    private readonly dirs: DirCache,
    private readonly journal: Journal,
    private readonly changes: Pick<LocalChanges, 'pending'>,
  ) {}

  async resolve(path: string): Promise<VNode> {
    const segments = splitPath(path);
    const loc = this.ns.locate(segments, path);
    if (loc.kind === 'virtual') return { path: canonical(segments), name: segments.at(-1) ?? '', kind: 'dir', virtual: loc.dir };
    let node: VNode = { path: loc.volumePath || '/', name: loc.volumePath ? loc.volume.dirName : '', kind: 'dir', volume: loc.volume, id: loc.volume.remote.rootId };
    const keep = loc.volume.remote.capabilities.changeFeed;
    const generation = this.dirs.generation;
    const writes = this.dirs.writes;
    const journal = this.journal.version;
    const last = this.lastFile;
    if (keep && last && last.path === path && last.volume === loc.volume && last.generation === generation && last.writes === writes) {
      const node = last.journal === journal ? last.node : this.rowStillThere(last.node, loc.segments.at(-1)!);
      if (node) {
        if (node !== last.node) this.lastFile = { ...last, node, journal };
        return { ...node };
      }
    }
    if (this.foldersGeneration !== generation || this.folders.size > MAX_KEPT_FOLDERS) {
      this.folders.clear();
      this.foldersGeneration = generation;
    }
    let key = loc.volume.id;
    /** The stored names of the folders resolved so far. */
    const names: string[] = [];
    let walking = false;
    for (const [i, seg] of loc.segments.entries()) {
      if (node.kind !== 'dir') throw new VfsError('ENOTDIR', 'not a directory', path);
      key += `/${seg}`;
      const kept = keep ? this.folders.get(key) : undefined;
      if (!kept && !walking && this.byPathPays(node, loc.segments, i)) {
        const found = await this.byPath(node, names, loc.segments.slice(i), path);
        if (found) return found;
        walking = true; // the server could not answer for this path: no second try below
      }
      const next = kept ?? (await this.child(node, seg));
      if (!next) throw new VfsError('ENOENT', 'no such file or directory', path);
      if (keep && !kept && next.kind === 'dir' && !next.row && this.dirs.generation === generation) this.folders.set(key, next);
      names.push(next.entry?.name ?? seg);
      node = next;
    }
    // Unchanged meanwhile (a lookup above may have fetched a listing): what was read is current.
    if (keep && node.kind === 'file' && this.dirs.generation === generation && this.dirs.writes === writes && this.journal.version === journal) {
      this.lastFile = { path, volume: loc.volume, node: { ...node }, generation, writes, journal };
    }
    return node;
  }

  /**
   * A pending file resolved before at a path ending in `name`, with its row as it is now, when only
   * the journal changed since and that row is still the newest of the name in its folder (an rsync's
   * utimens, chmod and flush each change the row, and the attributes handed to the binding after
   * each resolved it again).
   */
  private rowStillThere(node: VNode, name: string): VNode | undefined {
    const was = node.row;
    if (!was) return undefined;
    const row = this.journal.find(node.volume!.id, node.parentId!, name);
    return row && row.id === was.id && row.replaceId === was.replaceId ? { ...node, name: row.name, row } : undefined;
  }

  /**
   * Whether to ask the server for the rest of the path (segments from `from` on) at once: two names or more below a folder
   * not listed yet (one name costs one listing either way, and the listing serves its siblings
   * too), no display name with a duplicate's suffix (the server knows stored names only), and
   * nothing waiting to be uploaded or replayed (the server's tree is not the local one then).
   */
  private byPathPays(dir: VNode, segments: readonly string[], from: number): boolean {
    const volume = dir.volume;
    if (!volume?.remote.getByPath || dir.id === undefined || segments.length - from < 2) return false;
    if (this.dirs.isFresh(volume, dir.id) || this.journal.hasRows() || this.changes.pending) return false;
    for (let i = from; i < segments.length; i++) if (parseDupName(segments[i]!) !== undefined) return false;
    return true;
  }

  /**
   * The node at `rest` below `dir` (whose path from the volume's root is `names`), by one request;
   * undefined when the walk must decide: the server failed, or has nothing there where a name
   * could be stored in another Unicode spelling (matched here as the same name).
   */
  private async byPath(dir: VNode, names: readonly string[], rest: readonly string[], path: string): Promise<VNode | undefined> {
    const volume = dir.volume!;
    const entry = await this.dirs.entryAt(volume, [...names, ...rest]).catch(() => 'failed' as const);
    if (entry === 'failed') return undefined;
    if (!entry) {
      if (rest.every(isAscii)) throw new VfsError('ENOENT', 'no such file or directory', path);
      return undefined;
    }
    const name = rest.at(-1)!;
    return { path: joinPath(dir.path, rest.join('/')), name, kind: entry.kind, volume, id: entry.id, parentId: entry.parentId, entry };
  }

  /** Parent directory node and leaf name of a path that may not exist yet. */
  async resolveParent(path: string): Promise<{ parent: VNode; name: string }> {
    const segments = splitPath(path);
    const name = segments.pop();
    if (name === undefined) throw new VfsError('EINVAL', 'the root has no parent', path);
    const parent = await this.resolve(canonical(segments));
    if (parent.kind !== 'dir') throw new VfsError('ENOTDIR', 'not a directory', path);
    return { parent, name };
  }

  async child(dir: VNode, name: string): Promise<VNode | undefined> {
    if (dir.virtual) {
      const hit = this.ns.virtualChildren(dir.virtual).find((c) => nameKey(c.name) === nameKey(name));
      if (!hit) return undefined;
      const path = joinPath(dir.path, hit.name);
      return hit.volume
        ? { path, name: hit.name, kind: 'dir', volume: hit.volume, id: hit.volume.remote.rootId }
        : { path, name: hit.name, kind: 'dir', virtual: hit.name as VirtualDir };
    }
    const volume = dir.volume!;
    const dirId = dir.id!;
    const path = joinPath(dir.path, name);
    const pending = this.journal.hasRows();
    const row = pending ? this.journal.find(volume.id, dirId, name) : undefined;
    if (row) {
      const entry = row.replaceId ? this.dirs.get(volume, row.replaceId) : undefined;
      return { path, name: row.name, kind: 'file', volume, parentId: dirId, row, ...(entry ? { entry, id: entry.id } : {}) };
    }
    let match = pickByDisplayName(await this.dirs.lookup(volume, dirId, name), name);
    if (!match) {
      const dup = parseDupName(name);
      if (dup) match = pickByDisplayName(await this.dirs.lookup(volume, dirId, dup.name), name);
    }
    if (!match) return undefined;
    return this.remoteNode(volume, dir.path, dirId, match, name, pending ? this.rowReplacing(volume, dirId, match.id) : undefined);
  }

  /** Every child of a directory (small folders: tree operations). Listings go through childPages. */
  async children(dir: VNode): Promise<VNode[]> {
    const out: VNode[] = [];
    for await (const page of this.childPages(dir)) out.push(...page);
    return out;
  }

  /**
   * The children of a directory a page at a time, in name order: the cached remote entries with
   * pending files from the journal laid over them (their rows are few: uploads in flight), then the
   * new pending files. Only one page of remote entries is held at a time.
   */
  async *childPages(dir: VNode, pageSize?: number): AsyncGenerator<VNode[]> {
    if (dir.virtual) {
      yield this.ns.virtualChildren(dir.virtual).map((c) => ({
        path: joinPath(dir.path, c.name),
        name: c.name,
        kind: 'dir' as const,
        ...(c.volume ? { volume: c.volume, id: c.volume.remote.rootId } : { virtual: c.name as VirtualDir }),
      }));
      return;
    }
    const volume = dir.volume!;
    const dirId = dir.id!;
    const pages = this.dirs.pages(volume, dirId, pageSize);
    // The listing is made fresh before the journal is read, as when the whole folder was read at once.
    const first = await pages.next();
    const rows = this.journal.hasRows() ? this.journal.inDir(volume.id, dirId) : [];
    const replacing = new Map(rows.filter((r) => r.replaceId).map((r) => [r.replaceId!, r]));
    const fresh = rows.filter((r) => !r.replaceId || this.dirs.get(volume, r.replaceId)?.parentId !== dirId);
    // A new local file takes its name over from a remote one: the upload will replace it.
    const taken = new Set(fresh.map((r) => nameKey(r.name)));
    try {
      for (let page = first; !page.done; page = await pages.next()) {
        const visible = page.value.filter((e) => !(e.kind === 'file' && taken.has(nameKey(e.name)) && !replacing.has(e.id)));
        const names = displayNames(visible);
        yield visible.map((e) => this.remoteNode(volume, dir.path, dirId, e, names.get(e.id) ?? e.name, replacing.get(e.id)));
      }
    } finally {
      await pages.return(undefined);
    }
    if (fresh.length > 0) yield fresh.map((r) => ({ path: joinPath(dir.path, r.name), name: r.name, kind: 'file' as const, volume, parentId: dirId, row: r }));
  }

  private rowReplacing(volume: Volume, dirId: string, id: string): JournalRow | undefined {
    return this.journal.inDir(volume.id, dirId).find((r) => r.replaceId === id);
  }

  private remoteNode(volume: Volume, dirPath: string, dirId: string, e: RemoteEntry, name: string, row: JournalRow | undefined): VNode {
    return { path: joinPath(dirPath, name), name, kind: e.kind, volume, id: e.id, parentId: dirId, entry: e, ...(row ? { row } : {}) };
  }
}

/** Printable ASCII only: a name with one spelling (NFC and NFD are the same). */
function isAscii(name: string): boolean {
  return /^[\x20-\x7e]*$/.test(name);
}

function canonical(segments: readonly string[]): string {
  return '/' + segments.join('/');
}
