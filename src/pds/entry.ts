// PDS file object → the VFS's RemoteEntry (src/vfs/remote.ts).
import { sha1Of } from './content-hash.js';
import type { PdsFile } from './wire-types.js';
import type { RemoteEntry } from '../core/remote.js';

function epochMs(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? 0 : t;
}

export function toRemoteEntry(f: PdsFile): RemoteEntry {
  const isDir = f.type === 'folder';
  const entry: RemoteEntry = {
    id: f.file_id,
    parentId: f.parent_file_id,
    name: f.name,
    kind: isDir ? 'dir' : 'file',
    size: isDir ? 0 : f.size ?? 0,
    mtime: epochMs(f.local_modified_at || f.updated_at),
    ctime: epochMs(f.created_at),
    revision: isDir ? '' : f.content_hash || f.revision_id || f.updated_at,
  };
  const sha1 = isDir ? undefined : sha1Of(f);
  if (sha1) entry.contentHash = sha1;
  if (f.user_meta) entry.userMeta = f.user_meta;
  if (f.action_list && !f.action_list.some((a) => WRITE_ACTIONS.has(a))) entry.readOnly = true;
  return entry;
}

/**
 * The actions of a file's action_list that change something (names from the PDS documentation's
 * scopes). A list with none of them is read-only; a list with some (an editor who may not delete) is
 * left to the server, which refuses the rest with ForbiddenNoPermission (EACCES).
 */
const WRITE_ACTIONS = new Set(['FILE.CREATE', 'FILE.UPDATE', 'FILE.MOVE', 'FILE.DELETE']);

/** Roots are not file objects in PDS ("root" is only a parent id), so they are synthesized. */
export function rootEntry(rootId: string): RemoteEntry {
  return { id: rootId, parentId: '', name: '', kind: 'dir', size: 0, mtime: 0, ctime: 0, revision: '' };
}
