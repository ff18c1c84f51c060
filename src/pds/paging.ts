// Marker paging as async iterators: every PDS list endpoint answers { items, next_marker } and an
// empty next_marker means the last page.
import { throwIfAborted } from './retry.js';

export interface Page<T> {
  items: T[];
  next_marker?: string;
}

/**
 * Yields every page, one after another; `fetchPage('')` is the first page. The next page is
 * requested as soon as its marker is known, before this page is handed out, so the consumer's work
 * on a page (storing it) overlaps the server's work on the next.
 */
export async function* pagesOf<P extends { next_marker?: string }>(fetchPage: (marker: string) => Promise<P>, signal?: AbortSignal): AsyncGenerator<P> {
  throwIfAborted(signal);
  let pending: Promise<P> | undefined = fetchPage('');
  try {
    while (pending) {
      const page: P = await pending;
      const marker = page.next_marker ?? '';
      pending = undefined;
      if (marker !== '') {
        throwIfAborted(signal);
        pending = fetchPage(marker);
      }
      yield page;
    }
  } finally {
    // The consumer stopped early: the page fetched ahead is not wanted (nor its failure).
    pending?.catch(() => undefined);
  }
}

/** Every item of every page (pagesOf), one at a time. */
export async function* paginate<T>(fetchPage: (marker: string) => Promise<Page<T>>, signal?: AbortSignal): AsyncGenerator<T> {
  for await (const page of pagesOf(fetchPage, signal)) yield* page.items ?? [];
}

/** Drains an async iterable into an array (small listings, tests). */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
