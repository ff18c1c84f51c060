// A folder removed offline, replayed the way a sync client does it: only what the local side saw is
// removed. When the folder was removed, the cached subtree is recorded (ids, file revisions, which
// folders were fully listed); at replay the server's subtree is listed again, and an entry the local
// side never saw there (added meanwhile, or a file with a newer version) stays, with the folders
// holding it. A folder whose listing was never cached was removed as a whole, unseen contents and all.
import type { MetadataStore } from '../cache/metadata/nodes.js';
import type { SeenTree } from '../cache/metadata/ops.js';
import type { Remote, RemoteEntry } from '../core/remote.js';

/** What the cache knows of the subtree below dirId (recorded with the remove). */
export function seenBelow(store: MetadataStore, volume: string, dirId: string): SeenTree {
  const seen: SeenTree = { entries: {}, listed: [] };
  const queue = [dirId];
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    const listing = store.listing(volume, id);
    if (!listing?.complete) continue;
    seen.listed.push(id);
    for (const e of listing.entries) {
      seen.entries[e.id] = e.kind === 'dir' ? '' : e.revision;
      if (e.kind === 'dir') queue.push(e.id);
    }
  }
  return seen;
}

export interface FolderDeletePlan {
  /** Everything in the folder was seen: remove the folder itself. */
  whole: boolean;
  /** Otherwise: the seen entries to remove, each as high up as possible (a folder seen whole goes whole). */
  remove: RemoteEntry[];
  /** Paths (relative to the folder) of the entries kept because the local side never saw them. */
  kept: string[];
}

/** Lists the server's subtree of a folder and splits it into what the remove saw and what it did not. */
export async function planFolderDelete(remote: Remote, folderId: string, seen: SeenTree): Promise<FolderDeletePlan> {
  const listed = new Set(seen.listed);
  const remove: RemoteEntry[] = [];
  const kept: string[] = [];
  // Whether everything below dirId was seen; if not, its seen entries are queued for removal one by one.
  const walk = async (dirId: string, prefix: string): Promise<boolean> => {
    const seenHere: RemoteEntry[] = [];
    let allSeen = true;
    for await (const e of remote.list(dirId)) {
      const revision = seen.entries[e.id];
      const path = `${prefix}${e.name}`;
      if (revision === undefined || (e.kind === 'file' && revision !== e.revision)) {
        kept.push(path);
        allSeen = false;
      } else if (e.kind === 'dir' && listed.has(e.id) && !(await walk(e.id, `${path}/`))) {
        allSeen = false;
      } else {
        seenHere.push(e);
      }
    }
    if (!allSeen) remove.push(...seenHere);
    return allSeen;
  };
  if (!listed.has(folderId)) return { whole: true, remove: [], kept: [] };
  const whole = await walk(folderId, '');
  return whole ? { whole, remove: [], kept: [] } : { whole, remove, kept: kept.sort() };
}
