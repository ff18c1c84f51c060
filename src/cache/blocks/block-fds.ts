// Open descriptors of recently read block files, so a disk hit is one pread rather than open,
// pread and close. Bounded in count (least recently used closed first); a file's descriptor is
// closed when its block leaves the tier, once the reads using it are done.
import fs from 'node:fs';

interface Entry {
  fd: Promise<number>;
  users: number;
  closing: boolean;
}

export class BlockFds {
  /** In least to most recently used order. */
  private readonly open = new Map<string, Entry>();

  constructor(private readonly max: number) {}

  /** Runs `use` with a descriptor of `file` open for reading; rejects as fs.open does (ENOENT). */
  async with<T>(file: string, use: (fd: number) => Promise<T>): Promise<T> {
    let entry = this.open.get(file);
    if (entry) {
      this.open.delete(file);
    } else {
      const opened: Entry = { fd: openForReading(file), users: 0, closing: false };
      opened.fd.catch(() => {
        if (this.open.get(file) === opened) this.open.delete(file);
      });
      entry = opened;
    }
    this.open.set(file, entry);
    entry.users++; // before trimming, so this one is never closed under us
    this.trim();
    try {
      return await use(await entry.fd);
    } finally {
      entry.users--;
      if (entry.closing && entry.users === 0) release(entry);
    }
  }

  /** Closes the descriptor of `file` (once unused). */
  close(file: string): void {
    const entry = this.open.get(file);
    if (!entry) return;
    this.open.delete(file);
    entry.closing = true;
    if (entry.users === 0) release(entry);
  }

  closeAll(): void {
    for (const file of [...this.open.keys()]) this.close(file);
  }

  private trim(): void {
    for (const [file, entry] of this.open) {
      if (this.open.size <= this.max) return;
      if (entry.users === 0) this.close(file);
    }
  }
}

function openForReading(file: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
}

function release(entry: Entry): void {
  entry.fd.then(
    (fd) => fs.close(fd, () => undefined),
    () => undefined,
  );
}
