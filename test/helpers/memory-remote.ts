// An in-process Remote with no HTTP and no SQLite: drives kept in memory, for VFS tests where the wire
// adds nothing. It answers as DriveRemote over the local PDS server does (test/contract/remote-contract.ts
// runs the same cases on both): names are checked by the server's own rules, refusals are the server's
// PDS errors put through the client's one error table, and listings keep creation order. Left out, so
// tests of them stay on the local server: the views' ViewRemote (trash, revisions, search, media),
// multipart sessions (an upload is one step: no onSession, no resume), per-file permissions, faults
// and latency, names taken twice except by copy.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { VfsError } from '../../src/core/errors.js';
import type { ChangePage, Remote, RemoteCapabilities, RemoteChange, RemoteChanges, RemoteEntry, SpaceInfo, UploadOptions } from '../../src/core/remote.js';
import { invalidParam, notFound, PdsHttpError, quotaExhausted } from '../../src/emulator/errors.js';
import { validateName } from '../../src/emulator/names.js';
import { vfsCodeOf } from '../../src/pds/error-map.js';

interface Node {
  id: string;
  driveId: string;
  parentId: string;
  name: string;
  kind: 'file' | 'dir';
  data: Buffer;
  /** Uppercase hex SHA-1 of data (files). */
  sha1: string;
  createdAt: number;
  updatedAt: number;
  localModifiedAt?: number;
  userMeta?: string;
  trashed: boolean;
}

interface Drive {
  id: string;
  total: number;
  /** The change log: its index is the cursor. */
  log: RemoteChange[];
}

/** The server's refusal as the client sees it (pds/error-map.ts). */
function refused(err: PdsHttpError): VfsError {
  return new VfsError(vfsCodeOf({ status: err.status, code: err.code, message: err.message, isTimeout: false }), err.message, undefined, { cause: err });
}

function checkedName(name: string, field?: string): string {
  try {
    return validateName(name, field);
  } catch (err) {
    throw err instanceof PdsHttpError ? refused(err) : err;
  }
}

const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex').toUpperCase();
const newId = () => Date.now().toString(16) + randomBytes(16).toString('hex');
const taken = (name: string) => new VfsError('EEXIST', `${name} already exists`);

/** The memory counterpart of one local PDS server: drives that can copy into each other. */
export class MemoryPds {
  private readonly nodes = new Map<string, Node>();
  private readonly drives = new Map<string, Drive>();
  /** Calls per Remote method, all drives together (what a test counts instead of timing). */
  calls: Record<string, number> = {};
  /** Bytes streamed by openRange: what the server would have sent. */
  bytesRead = 0;

  /** A new drive of `total` bytes (100 GiB, the local server's default quota). */
  addDrive(total = 100 * 1024 ** 3): MemoryRemote {
    const drive: Drive = { id: String(this.drives.size + 1), total, log: [] };
    this.drives.set(drive.id, drive);
    return new MemoryRemote(this, drive.id);
  }

  resetCounts(): void {
    this.calls = {};
    this.bytesRead = 0;
  }

  count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  drive(driveId: string): Drive {
    return this.drives.get(driveId)!;
  }

  /** A visible (not trashed) file or folder of the drive; ENOENT otherwise. */
  visible(driveId: string, id: string): Node {
    const node = this.nodes.get(id);
    if (!node || node.driveId !== driveId || this.inTrash(node)) throw refused(notFound('File', id));
    return node;
  }

  /** 'root' or a visible folder: where new entries may go. */
  folder(driveId: string, id: string, field = 'parent_file_id'): string {
    if (id === 'root') return id;
    const node = this.visible(driveId, id);
    if (node.kind !== 'dir') throw refused(invalidParam(field, `The parent ${id} is not a folder.`));
    return id;
  }

  children(driveId: string, parentId: string): Node[] {
    return [...this.nodes.values()].filter((n) => n.driveId === driveId && n.parentId === parentId && !n.trashed);
  }

  childByName(driveId: string, parentId: string, name: string, exceptId = ''): Node | undefined {
    return this.children(driveId, parentId).find((n) => n.name === name && n.id !== exceptId);
  }

  /** The node and everything below it, parents first. */
  subtree(id: string): Node[] {
    const out = [this.nodes.get(id)!];
    for (let i = 0; i < out.length; i++) out.push(...[...this.nodes.values()].filter((n) => n.parentId === out[i]!.id && n.driveId === out[i]!.driveId));
    return out;
  }

  isWithin(id: string, ancestorId: string): boolean {
    for (let n = this.nodes.get(id); n; n = this.nodes.get(n.parentId)) if (n.id === ancestorId) return true;
    return false;
  }

  used(driveId: string): number {
    return [...this.nodes.values()].reduce((s, n) => s + (n.driveId === driveId ? n.data.length : 0), 0);
  }

  /** Room for `bytes` more on the drive, else the server's QuotaExhausted (ENOSPC). */
  reserve(driveId: string, bytes: number): void {
    if (bytes > this.drive(driveId).total - this.used(driveId)) throw refused(quotaExhausted(driveId));
  }

  insert(fields: Omit<Node, 'id' | 'createdAt' | 'updatedAt' | 'trashed' | 'sha1'>): Node {
    const now = Date.now();
    const node: Node = { ...fields, id: newId(), sha1: fields.kind === 'file' ? sha1(fields.data) : '', createdAt: now, updatedAt: now, trashed: false };
    this.nodes.set(node.id, node);
    this.record('create', node);
    return node;
  }

  remove(id: string): void {
    const top = this.nodes.get(id)!;
    for (const n of this.subtree(id)) this.nodes.delete(n.id);
    this.record('delete', top);
  }

  /** Appends to the drive's change log; delete and trash entries carry only the id (as the server's do). */
  record(op: RemoteChange['op'], node: Node): void {
    this.drive(node.driveId).log.push(op === 'delete' || op === 'trash' ? { op, id: node.id } : { op, id: node.id, entry: toEntry(node) });
  }

  private inTrash(node: Node): boolean {
    for (let n: Node | undefined = node; n; n = this.nodes.get(n.parentId)) if (n.trashed) return true;
    return false;
  }
}

function toEntry(n: Node): RemoteEntry {
  const entry: RemoteEntry = {
    id: n.id,
    parentId: n.parentId,
    name: n.name,
    kind: n.kind,
    size: n.data.length,
    mtime: n.localModifiedAt ?? n.updatedAt,
    ctime: n.createdAt,
    revision: n.sha1,
  };
  if (n.kind === 'file') entry.contentHash = n.sha1;
  if (n.userMeta) entry.userMeta = n.userMeta;
  return entry;
}

const ROOT: RemoteEntry = { id: 'root', parentId: '', name: '', kind: 'dir', size: 0, mtime: 0, ctime: 0, revision: '' };

/** One drive of a MemoryPds as a Remote. Every method throws VfsError. */
export class MemoryRemote implements Remote {
  readonly volumeId: string;
  readonly rootId = 'root';
  readonly capabilities: RemoteCapabilities = { readOnly: false, serverSideCopy: true, maxNameBytes: 1024, changeFeed: true };

  constructor(readonly pds: MemoryPds, readonly driveId: string) {
    this.volumeId = `drive:${driveId}`;
  }

  async *list(dirId: string): AsyncIterable<RemoteEntry> {
    this.pds.count('list');
    if (dirId !== this.rootId) this.pds.visible(this.driveId, dirId);
    for (const n of this.pds.children(this.driveId, dirId)) yield toEntry(n);
  }

  async get(id: string): Promise<RemoteEntry> {
    this.pds.count('get');
    return id === this.rootId ? { ...ROOT } : toEntry(this.pds.visible(this.driveId, id));
  }

  async openRange(entry: Pick<RemoteEntry, 'id' | 'revision' | 'size'> & { revisionId?: string }, start: number, endInclusive: number): Promise<Readable> {
    this.pds.count('openRange');
    const node = this.pds.visible(this.driveId, entry.id);
    if (node.kind !== 'file') throw refused(invalidParam('file_id', 'A folder has no download URL.'));
    if (entry.revisionId !== undefined) throw refused(new PdsHttpError(404, 'NotFound.Revision', `The revision ${entry.revisionId} cannot be found.`));
    if (/^[0-9a-f]{40}$/i.test(entry.revision) && entry.revision.toUpperCase() !== node.sha1) {
      throw new VfsError('EIO', `file ${entry.id} changed remotely (now ${node.sha1})`);
    }
    const bytes = node.data.subarray(start, Math.min(endInclusive, entry.size - 1) + 1);
    this.pds.bytesRead += bytes.length;
    return Readable.from([bytes]);
  }

  async createDir(parentId: string, name: string, opts: { userMeta?: string } = {}): Promise<RemoteEntry> {
    this.pds.count('createDir');
    const parent = this.pds.folder(this.driveId, parentId);
    checkedName(name);
    if (this.pds.childByName(this.driveId, parent, name)) throw taken(name);
    return toEntry(this.pds.insert({ driveId: this.driveId, parentId: parent, name, kind: 'dir', data: Buffer.alloc(0), ...(opts.userMeta !== undefined ? { userMeta: opts.userMeta } : {}) }));
  }

  async upload(parentId: string, name: string, localPath: string, size: number, opts: UploadOptions = {}): Promise<RemoteEntry> {
    this.pds.count('upload');
    const data = (await fs.readFile(localPath)).subarray(0, size);
    if (opts.signal?.aborted) throw new VfsError('EIO', 'upload aborted');
    const meta = { ...(opts.mtime !== undefined ? { localModifiedAt: opts.mtime } : {}), ...(opts.userMeta !== undefined ? { userMeta: opts.userMeta } : {}) };
    if (opts.replaceId !== undefined) {
      const node = this.pds.visible(this.driveId, opts.replaceId);
      if (node.kind !== 'file') throw refused(invalidParam('file_id', 'A folder cannot be overwritten.'));
      this.pds.reserve(this.driveId, data.length - node.data.length);
      Object.assign(node, { data, sha1: sha1(data), updatedAt: Date.now(), ...meta });
      this.pds.record('overwrite', node);
      opts.onProgress?.(size, size);
      return toEntry(node);
    }
    const parent = this.pds.folder(this.driveId, parentId);
    checkedName(name);
    if (this.pds.childByName(this.driveId, parent, name)) throw taken(name);
    this.pds.reserve(this.driveId, data.length);
    const node = this.pds.insert({ driveId: this.driveId, parentId: parent, name, kind: 'file', data, ...meta });
    opts.onProgress?.(size, size);
    return toEntry(node);
  }

  async update(id: string, changes: RemoteChanges): Promise<RemoteEntry> {
    this.pds.count('update');
    const node = this.pds.visible(this.driveId, id);
    let op: 'rename' | 'update' | undefined;
    if (changes.name !== undefined && changes.name !== node.name) {
      checkedName(changes.name);
      if (this.pds.childByName(this.driveId, node.parentId, changes.name, id)) throw taken(changes.name);
      node.name = changes.name;
      op = 'rename';
    }
    if (changes.mtime !== undefined) node.localModifiedAt = changes.mtime;
    if (changes.userMeta !== undefined) node.userMeta = changes.userMeta;
    op ??= changes.mtime !== undefined || changes.userMeta !== undefined ? 'update' : undefined;
    if (op) {
      node.updatedAt = Date.now();
      this.pds.record(op, node);
    }
    return toEntry(node);
  }

  /** Same parent: a rename (as DriveRemote does with file/update); otherwise a move with the new name. */
  async move(id: string, newParentId: string, newName: string): Promise<RemoteEntry> {
    const node = this.pds.visible(this.driveId, id);
    if (node.parentId === newParentId) return node.name === newName ? toEntry(node) : this.update(id, { name: newName });
    this.pds.count('move');
    const parent = this.pds.folder(this.driveId, newParentId, 'to_parent_file_id');
    if (parent !== 'root' && this.pds.isWithin(parent, id)) throw refused(invalidParam('to_parent_file_id', 'A folder cannot be moved into itself or its own subtree.'));
    checkedName(newName, 'new_name');
    if (this.pds.childByName(this.driveId, parent, newName, id)) throw taken(newName);
    Object.assign(node, { parentId: parent, name: newName, updatedAt: Date.now() });
    this.pds.record('move', node);
    return toEntry(node);
  }

  /**
   * Into this drive or another of the same MemoryPds (EXDEV otherwise). As on the server (file/copy
   * without auto_rename), a taken name is not refused: the copy sits beside the existing entry.
   */
  async copy(id: string, newParentId: string, newName: string, to?: Remote): Promise<RemoteEntry> {
    this.pds.count('copy');
    const target = to ?? this;
    if (!(target instanceof MemoryRemote) || target.pds !== this.pds) throw new VfsError('EXDEV', 'copy target is not a drive of this server');
    const src = this.pds.visible(this.driveId, id);
    const parent = this.pds.folder(target.driveId, newParentId, 'to_parent_file_id');
    if (src.kind === 'dir' && parent !== 'root' && this.pds.isWithin(parent, id)) throw refused(invalidParam('to_parent_file_id', 'A folder cannot be copied into itself or its own subtree.'));
    checkedName(newName, 'new_name');
    const tree = this.pds.subtree(id).filter((n) => !n.trashed);
    this.pds.reserve(target.driveId, tree.reduce((s, n) => s + n.data.length, 0));
    const ids = new Map([[src.parentId, parent]]);
    let top: Node | undefined;
    for (const n of tree) {
      const copyParent = ids.get(n.parentId);
      if (copyParent === undefined) continue;
      const copied = this.pds.insert({
        driveId: target.driveId, parentId: copyParent, name: n === src ? newName : n.name, kind: n.kind, data: n.data,
        ...(n.localModifiedAt !== undefined ? { localModifiedAt: n.localModifiedAt } : {}), ...(n.userMeta !== undefined ? { userMeta: n.userMeta } : {}),
      });
      ids.set(n.id, copied.id);
      top ??= copied;
    }
    return toEntry(top!);
  }

  async trash(id: string): Promise<void> {
    this.pds.count('trash');
    const node = this.pds.visible(this.driveId, id);
    node.trashed = true;
    this.pds.record('trash', node);
  }

  async delete(id: string): Promise<void> {
    this.pds.count('delete');
    this.pds.visible(this.driveId, id);
    this.pds.remove(id);
  }

  async statfs(): Promise<SpaceInfo> {
    const total = this.pds.drive(this.driveId).total;
    const used = this.pds.used(this.driveId);
    return { total, used, free: Math.max(0, total - used) };
  }

  async latestCursor(): Promise<string> {
    return `${this.driveId}:${this.pds.drive(this.driveId).log.length}`;
  }

  /** Up to 100 changes a page, as DriveRemote asks for; a cursor of another drive is expired. */
  async changes(cursor: string): Promise<ChangePage> {
    this.pds.count('changes');
    const [driveId, at] = cursor.split(':');
    const log = this.pds.drive(this.driveId).log;
    const from = Number(at);
    if (driveId !== this.driveId || !Number.isInteger(from) || from < 0 || from > log.length) return { expired: true };
    const items = log.slice(from, from + 100);
    return { items, cursor: `${this.driveId}:${from + items.length}`, hasMore: from + items.length < log.length };
  }
}
