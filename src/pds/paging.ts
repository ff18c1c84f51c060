// Marker paging as async iterators: every PDS list endpoint answers { items, next_marker } and an
// empty next_marker means the last page.
import { throwIfAborted } from './retry.js';

export interface Page<T> {
  items: T[];
  next_marker?: string;
}

/** Yields every item of every page; `fetchPage('')` is the first page. */
export async function* paginate<T>(fetchPage: (marker: string) => Promise<Page<T>>, signal?: AbortSignal): AsyncGenerator<T> {
  let marker = '';
  do {
    throwIfAborted(signal);
    const page = await fetchPage(marker);
    yield* page.items ?? [];
    marker = page.next_marker ?? '';
  } while (marker !== '');
}

/** Drains an async iterable into an array (small listings, tests). */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
