// Adaptive sequential read-ahead, per reader: the window of blocks to prefetch doubles each time a
// reader moves sequentially into a new block (up to a maximum) and collapses on any jump, so
// random access (and one-off header sniffing) costs no extra fetches.
import { LRUCache } from 'lru-cache';

interface ReaderState {
  lastIndex: number;
  window: number;
}

/** Readers tracked at once; the least recently active are forgotten first. */
const MAX_READERS = 1024;

export class ReadAhead {
  private readonly readers = new LRUCache<string, ReaderState>({ max: MAX_READERS });

  constructor(readonly maxWindow: number) {}

  /** Records that `readerId` read blocks [first, last]; returns how many blocks after `last` to prefetch. */
  next(readerId: string, first: number, last: number): number {
    const state = this.readers.get(readerId);
    if (!state) {
      this.readers.set(readerId, { lastIndex: last, window: 0 });
      return 0;
    }
    // One block back still counts: kernels (FUSE read-ahead) may deliver neighbouring reads out of order.
    const sequential = first >= state.lastIndex - 1 && first <= state.lastIndex + 1;
    if (!sequential) state.window = 0;
    else if (last > state.lastIndex) state.window = Math.min(this.maxWindow, Math.max(1, state.window * 2));
    state.lastIndex = sequential ? Math.max(state.lastIndex, last) : last;
    return state.window;
  }

  forget(readerId: string): void {
    this.readers.delete(readerId);
  }
}
