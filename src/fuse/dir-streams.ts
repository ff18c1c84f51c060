// Folder listings the kernel reads a buffer at a time, by offset (native-binding.ts makes libfuse2
// work that way). Each open listing is a stream over the VFS's paged listing (SQLite, a page of rows
// at a time); every name handed out carries the offset to resume after it: the stream's number in the
// high bits, the name's position in the low 32. The kernel takes what fits in its buffer and asks
// again from the last name it took, so a stream keeps only the names it handed out last (those that
// did not fit come first next time) and reads on from where its SQLite page cursor stands. Entries
// added or removed meanwhile therefore cause no duplicate and no gap: the cursor is a key in name
// order, not a count. A listing is never held whole, however large the folder.
import type { NodeInfo } from '../vfs/types.js';

/**
 * Names handed to the kernel per call at most: about what its largest readdir buffer (128 KiB) holds
 * of short names. A stream then hands about as many as the kernel took last time (never fewer than
 * MIN_NAMES_PER_CALL), so a kernel with smaller buffers is not sent names only to drop them.
 */
export const NAMES_PER_CALL = 2048;
const MIN_NAMES_PER_CALL = 64;
/** Open listings kept; the least recently read one is dropped beyond this. */
const MAX_STREAMS = 64;
/** A listing not read for this long is dropped (its reader closed the folder without reading to the end). */
const IDLE_MS = 60_000;
const POSITION_BITS = 2 ** 32;
/** The smallest buffer the kernel reads a folder into (a page), and what each name takes of it: a fuse_dirent, 8-byte aligned. */
const KERNEL_READDIR_BYTES = 4096;
const direntBytes = (name: string) => (24 + Buffer.byteLength(name) + 7) & ~7;
/** Stream numbers stay below 2^20, so offsets stay below 2^52: exact in a double. */
const STREAM_IDS = 2 ** 20;

export interface ListedPage {
  names: string[];
  /** offsets[i]: where to resume after names[i]. */
  offsets: number[];
  /** nodes[i]: what the listing said of names[i] (undefined for '.' and '..'). */
  nodes: (NodeInfo | undefined)[];
  /**
   * These are all the names from offset 0, and they fit in any readdir buffer of the kernel: its
   * stream is closed already, and the binding answers the kernel's next readdir, from the last
   * offset, with no names itself (native-binding.ts).
   */
  end: boolean;
}

/** A name handed out, with its node ('.' and '..' have none). */
interface Listed {
  name: string;
  node?: NodeInfo;
}

export interface DirStreamsOptions {
  /** The folder's listing a page at a time. */
  pages: (path: string) => AsyncIterable<NodeInfo[]>;
  /** Whether a name can be handed to the kernel (fuse-native cuts names at 1023 bytes). */
  listable: (name: string) => boolean;
  /** Names left out of a listing (called once per listing that had any). */
  onSkipped: (path: string, count: number) => void;
  now?: () => number;
}

interface Stream {
  readonly id: number;
  readonly path: string;
  readonly pages: AsyncIterator<NodeInfo[]>;
  /** Handed out last and maybe not taken yet; window[0] is at position `start`. */
  window: Listed[];
  start: number;
  /** Names to hand next time, and how many were handed last time. */
  perCall: number;
  handed: number;
  done: boolean;
  skipped: number;
  usedAt: number;
  /** Calls on one stream run one after the other (a retry may overlap a slow first page). */
  queue: Promise<unknown>;
}

export class DirStreams {
  private readonly streams = new Map<number, Stream>();
  private nextId = 1;
  private readonly now: () => number;
  /** Offsets whose listing was dropped, so that it was read again from the start (logged per readdir). */
  readonly counts = { restarts: 0 };

  constructor(private readonly opts: DirStreamsOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The names of `path` from `offset` on (0: from the start), at most NAMES_PER_CALL; none at the end. */
  read(path: string, offset: number): Promise<ListedPage> {
    this.dropIdle();
    const id = Math.floor(offset / POSITION_BITS);
    const position = offset % POSITION_BITS;
    let stream = offset === 0 ? undefined : this.streams.get(id);
    if (stream && (stream.path !== path || position < stream.start - 1)) stream = undefined;
    if (stream) {
      // Most recently read last: the oldest is the one dropped when too many are open.
      this.streams.delete(stream.id);
      this.streams.set(stream.id, stream);
    } else {
      // An offset from a listing dropped since (idle, or one too many open): start over and skip
      // by position, which is right unless the folder changed meanwhile.
      if (offset !== 0) this.counts.restarts++;
      stream = this.open(path);
      stream.window = [{ name: '.' }, { name: '..' }];
      stream.start = 1;
    }
    const s = stream;
    return this.serialized(s, async () => {
      await this.skipTo(s, position);
      const page = await this.hand(s);
      if (offset === 0 && s.done && page.names.length === s.window.length && fitsOneBuffer(page.names)) {
        this.close(s);
        page.end = true;
      }
      return page;
    });
  }

  private open(path: string): Stream {
    const id = this.nextId;
    this.nextId = (this.nextId % (STREAM_IDS - 1)) + 1;
    this.close(this.streams.get(id));
    const stream: Stream = {
      id, path, pages: this.opts.pages(path)[Symbol.asyncIterator](),
      window: [], start: 1, perCall: NAMES_PER_CALL, handed: 0, done: false, skipped: 0, usedAt: this.now(), queue: Promise.resolve(),
    };
    this.streams.set(id, stream);
    if (this.streams.size > MAX_STREAMS) this.close(this.streams.values().next().value);
    return stream;
  }

  private serialized(stream: Stream, work: () => Promise<ListedPage>): Promise<ListedPage> {
    const result = stream.queue.then(work);
    stream.queue = result.catch(() => undefined);
    return result.catch((err: unknown) => {
      this.close(stream);
      throw err;
    });
  }

  /** Forgets the names up to `position` (the kernel has them), reading on when it is past the window. */
  private async skipTo(stream: Stream, position: number): Promise<void> {
    stream.usedAt = this.now();
    while (position >= stream.start + stream.window.length && !stream.done) {
      stream.start += stream.window.length;
      stream.window = [];
      await this.readPage(stream);
    }
    const taken = Math.min(position - stream.start + 1, stream.window.length);
    if (taken > 0) {
      stream.window = stream.window.slice(taken);
      stream.start += taken;
    }
    if (stream.handed > 0) {
      // The kernel's buffer holds about as many names next time; a full take may mean room for more.
      stream.perCall = taken >= stream.handed ? Math.min(stream.perCall * 2, NAMES_PER_CALL) : Math.max(taken + (taken >> 3), MIN_NAMES_PER_CALL);
    }
  }

  private async hand(stream: Stream): Promise<ListedPage> {
    while (stream.window.length < stream.perCall && !stream.done) await this.readPage(stream);
    const handed = stream.window.slice(0, stream.perCall);
    const names = handed.map((e) => e.name);
    stream.handed = names.length;
    if (names.length === 0) {
      // The end: libfuse asks no more until the folder is read again from offset 0.
      this.close(stream);
    }
    const base = stream.id * POSITION_BITS + stream.start;
    return { names, offsets: names.map((_, i) => base + i), nodes: handed.map((e) => e.node), end: false };
  }

  private async readPage(stream: Stream): Promise<void> {
    const next = await stream.pages.next();
    if (next.done) {
      stream.done = true;
      if (stream.skipped > 0) this.opts.onSkipped(stream.path, stream.skipped);
      return;
    }
    for (const node of next.value) {
      if (this.opts.listable(node.name)) stream.window.push({ name: node.name, node });
      else stream.skipped++;
    }
  }

  private dropIdle(): void {
    const limit = this.now() - IDLE_MS;
    for (const s of [...this.streams.values()]) if (s.usedAt < limit) this.close(s);
  }

  private close(stream: Stream | undefined): void {
    if (!stream || this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    void stream.pages.return?.(undefined)?.catch(() => undefined);
  }
}

function fitsOneBuffer(names: readonly string[]): boolean {
  let bytes = 0;
  for (const name of names) if ((bytes += direntBytes(name)) > KERNEL_READDIR_BYTES) return false;
  return true;
}
