// The local copy of a file being written: positional writes into a staging file, with the SHA-1
// kept up to date while writes are sequential, so rapid upload needs no second read of the data.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';

export class StagedFile {
  private hasher: Hash | null = createHash('sha1');
  private hashedUpTo = 0;
  /** Bytes written since the last sync. */
  unsynced = false;

  private constructor(
    readonly path: string,
    private readonly fd: fs.FileHandle,
    public size: number,
  ) {
    // Existing content was not hashed here; the hash is recomputed from the file when needed.
    if (size > 0) this.hasher = null;
  }

  static async open(path: string): Promise<StagedFile> {
    const fd = await fs.open(path, 'r+');
    const { size } = await fd.stat();
    return new StagedFile(path, fd, size);
  }

  async read(into: Buffer, offset: number, length: number, position: number): Promise<number> {
    if (position >= this.size) return 0;
    const n = Math.min(length, this.size - position);
    const { bytesRead } = await this.fd.read(into, offset, n, position);
    return bytesRead;
  }

  async write(from: Buffer, offset: number, length: number, position: number): Promise<number> {
    const { bytesWritten } = await this.fd.write(from, offset, length, position);
    if (this.hasher && position === this.hashedUpTo) {
      this.hasher.update(from.subarray(offset, offset + bytesWritten));
      this.hashedUpTo += bytesWritten;
    } else if (position < this.hashedUpTo || position > this.hashedUpTo) {
      this.hasher = null;
    }
    this.size = Math.max(this.size, position + bytesWritten);
    this.unsynced = true;
    return bytesWritten;
  }

  async truncate(size: number): Promise<void> {
    await this.fd.truncate(size);
    if (size === 0) {
      this.hasher = createHash('sha1');
      this.hashedUpTo = 0;
    } else if (size !== this.hashedUpTo) {
      this.hasher = null;
    }
    this.size = size;
    this.unsynced = true;
  }

  /** Durable on disk when this returns. */
  async sync(): Promise<void> {
    await this.fd.sync();
    this.unsynced = false;
  }

  /** Uppercase hex SHA-1 when every byte went through sequential writes; null otherwise. */
  sha1(): string | null {
    if (!this.hasher || this.hashedUpTo !== this.size) return null;
    return this.hasher.copy().digest('hex').toUpperCase();
  }

  async close(): Promise<void> {
    await this.fd.close();
  }
}
