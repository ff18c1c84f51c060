// What the large answers (a page of file/list, of file/list_delta) become before their caller sees
// them: the VFS's entries and changes, made by whichever thread parsed the answer (the answer worker
// or, while it starts, the caller's), so that both give the same.
import type { RemoteChange, RemoteEntry } from '../core/remote.js';
import { toRemoteEntry } from './entry.js';
import type { DeltaResponse, Paged, PdsFile } from './wire-types.js';

export type AnswerShape = 'entries' | 'changes';

/** A page of file/list as entries; urls[i] is entries[i]'s download URL, '' when it has none. */
export interface EntryPage {
  items: RemoteEntry[];
  urls: string[];
  next_marker?: string;
}

/** A page of file/list_delta as the VFS's changes. */
export interface ChangesPage {
  items: RemoteChange[];
  cursor: string;
  has_more: boolean;
}

export function shapeAnswer(shape: AnswerShape, json: unknown): EntryPage | ChangesPage {
  return shape === 'entries' ? entryPage(json as Paged<PdsFile>) : changesPage(json as DeltaResponse);
}

function entryPage(page: Paged<PdsFile>): EntryPage {
  const files = page.items ?? [];
  const out: EntryPage = { items: files.map(toRemoteEntry), urls: files.map((f) => f.download_url ?? f.url ?? '') };
  if (page.next_marker) out.next_marker = page.next_marker;
  return out;
}

function changesPage(page: DeltaResponse): ChangesPage {
  const items = (page.items ?? []).map((it): RemoteChange => {
    // Delete/trash events may carry a sparse file object: only a complete one becomes an entry.
    const full = it.file && it.file.name !== undefined && it.file.type !== undefined;
    return full && it.file ? { op: it.op, id: it.file_id, entry: toRemoteEntry(it.file) } : { op: it.op, id: it.file_id };
  });
  return { items, cursor: page.cursor, has_more: page.has_more };
}
