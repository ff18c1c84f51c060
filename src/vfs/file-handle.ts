// A handle on an open file. Reads come from the staging copy when the file has pending content,
// else from the block cache; writes go to the staging copy (made on first write); flush commits the
// journal row, which queues the upload (safe against a crash of pdsfs); sync adds power loss.
import { VfsError } from '../core/errors.js';
import type { OpenFile } from './open-file.js';
import type { FileHandle, NodeInfo, OpenFlags } from './types.js';

/** What a handle needs from the VFS that owns the open file. */
export interface FileOwner {
  readRemote(file: OpenFile, into: Buffer, position: number, length: number, readerId: string): Promise<number>;
  /** The staging copy of the file, created (with the remote content unless `empty`) on first use. */
  stage(file: OpenFile, empty: boolean): Promise<NonNullable<OpenFile['staged']>>;
  /** Waits while dirty bytes are at their bound; ENOSPC when the cache disk cannot take `bytes` more. */
  roomFor(file: OpenFile, bytes: number): Promise<void>;
  commit(file: OpenFile): Promise<void>;
  /** commit, then fsync the staging copy and the journal. */
  syncFile(file: OpenFile): Promise<void>;
  closeFile(file: OpenFile, handle: { writer: boolean; readerId: string }): Promise<void>;
  info(file: OpenFile, path: string): Promise<NodeInfo>;
}

let nextReader = 0;

export class VfsFileHandle implements FileHandle {
  private readonly readerId = `r${++nextReader}`;
  private released = false;
  /** A flush or sync committed what this handle wrote. */
  private flushed = false;

  constructor(
    private readonly owner: FileOwner,
    private readonly file: OpenFile,
    private readonly flags: OpenFlags,
    readonly path: string,
  ) {}

  async read(into: Buffer, position: number, length: number): Promise<number> {
    this.check();
    if (!this.flags.read) throw new VfsError('EBADF', 'file not open for reading', this.path);
    const n = Math.min(length, into.length);
    if (n <= 0) return 0;
    const staged = this.file.staged ?? (this.file.row ? await this.owner.stage(this.file, false) : undefined);
    if (staged) return staged.read(into, 0, n, position);
    return this.owner.readRemote(this.file, into, position, n, this.readerId);
  }

  async write(from: Buffer, position: number, length: number): Promise<number> {
    this.check();
    if (!this.flags.write) throw new VfsError('EBADF', 'file not open for writing', this.path);
    await this.owner.roomFor(this.file, Math.min(length, from.length));
    const staged = await this.owner.stage(this.file, false);
    const at = this.flags.append ? staged.size : position;
    const n = await staged.write(from, 0, Math.min(length, from.length), at);
    this.file.modifiedAt = Date.now();
    return n;
  }

  async truncate(size: number): Promise<void> {
    this.check();
    if (!this.flags.write) throw new VfsError('EBADF', 'file not open for writing', this.path);
    if (size < 0) throw new VfsError('EINVAL', 'negative size', this.path);
    const staged = await this.owner.stage(this.file, size === 0);
    if (staged.size !== size) await staged.truncate(size);
    this.file.modifiedAt = Date.now();
  }

  async flush(): Promise<void> {
    this.check();
    if (this.flags.write) {
      await this.owner.commit(this.file);
      this.flushed = true;
    }
    if (this.file.failure) throw new VfsError('EIO', `upload failed: ${this.file.failure}`, this.path);
  }

  async sync(): Promise<void> {
    this.check();
    if (this.flags.write) {
      await this.owner.syncFile(this.file);
      this.flushed = true;
    }
    if (this.file.failure) throw new VfsError('EIO', `upload failed: ${this.file.failure}`, this.path);
  }

  async release(): Promise<void> {
    if (this.released) return;
    try {
      if (this.flags.write) await this.owner.commit(this.file);
    } finally {
      this.released = true;
      await this.owner.closeFile(this.file, { writer: this.flags.write, readerId: this.readerId });
    }
  }

  /** Writes since the last commit leave the file modified; a handle never flushed may not have committed its create. */
  changedSinceFlush(): boolean {
    return this.flags.write && (!this.flushed || this.file.modifiedAt !== undefined);
  }

  stat(): Promise<NodeInfo> {
    return this.owner.info(this.file, this.path);
  }

  private check(): void {
    if (this.released) throw new VfsError('EBADF', 'handle is closed', this.path);
  }
}
