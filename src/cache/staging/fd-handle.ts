// An open staging file by its descriptor, opened and closed on the caller's thread. libuv's pool
// hands each fs request to a thread and back; on a busy machine with two CPUs the hand-off held the
// event loop for longer (0.2-0.4 ms, glibc's condition variable waiting for the pool thread to get a
// CPU) than making an empty file on ext4 takes (~30 µs), and an rsync makes one per file.
import fs from 'node:fs';
import { promisify } from 'node:util';

const read = promisify(fs.read);
const ftruncate = promisify(fs.ftruncate);
const fsync = promisify(fs.fsync);

/** What the staging code uses of an open file: fs/promises' FileHandle has the same shape. */
export interface StagingHandle {
  readonly fd: number;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  truncate(length?: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export class FdHandle implements StagingHandle {
  private closed = false;

  private constructor(readonly fd: number) {}

  /** Creates `file` (it must not exist), open for reading and writing. */
  static create(file: string): FdHandle {
    return new FdHandle(fs.openSync(file, 'wx+'));
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return read(this.fd, buffer, offset, length, position);
  }

  truncate(length = 0): Promise<void> {
    return ftruncate(this.fd, length);
  }

  sync(): Promise<void> {
    return fsync(this.fd);
  }

  /** Closing a regular file writes nothing back (no fsync), so it costs microseconds here. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
