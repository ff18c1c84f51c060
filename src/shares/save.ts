// `pdsfs share save ID[:PWD] SRC DEST`: copies a file or folder of a share link (or, for SRC "/",
// everything it shares) into a drive folder, server-side with file/copy (share_id + to_drive_id):
// no bytes pass through pdsfs. Existing names are never overwritten.
import { ShareRemote } from '../pds/share-remote.js';
import type { RemoteEntry } from '../core/remote.js';
import { VfsError } from '../core/errors.js';
import { nameKey } from '../shared/name-key.js';
import { parseShareSpec } from './volumes.js';
import { ShareCommandError } from './errors.js';
import { locateInDrive, namespacePath, type ShareCommandContext } from './manage.js';

export interface SavedItem {
  name: string;
  kind: 'file' | 'dir';
  /** Namespace path of the copy. */
  path: string;
  size: number;
}

export type SaveProgress = (name: string, done: number, total: number) => void;

export async function saveFromShare(app: ShareCommandContext, spec: string, src: string, dest: string, onProgress?: SaveProgress): Promise<SavedItem[]> {
  const { shareId, password } = parseShareSpec(spec);
  const share = new ShareRemote(app.client, shareId, password ? { password } : {});
  const { problem } = await share.probe();
  if (problem) throw new ShareCommandError(`share ${shareId}: ${problem}`);
  const target = await locateInDrive(app, dest, 'saving from a share');
  if (target.kind !== 'dir') throw new ShareCommandError(`${dest}: not a folder`);
  const items = await itemsAt(share, src);
  const destPath = namespacePath(dest);
  const pathOf = (name: string) => `${destPath === '/' ? '' : destPath}/${name}`;
  for (const item of items) {
    if (await exists(app, pathOf(item.name))) throw new ShareCommandError(`${pathOf(item.name)}: already exists`);
  }
  const saved: SavedItem[] = [];
  for (const item of items) {
    const progress = onProgress && ((done: number, total: number) => onProgress(item.name, done, total));
    const copy = await share.save(item.id, target.drive, target.id, item.name, progress);
    saved.push({ name: copy.name, kind: copy.kind, path: pathOf(copy.name), size: copy.size });
  }
  return saved;
}

/** The entry at `src` in the share, or every shared item for "/". */
async function itemsAt(share: ShareRemote, src: string): Promise<RemoteEntry[]> {
  const segments = src.split('/').filter((s) => s !== '' && s !== '.');
  let children = await collect(share, share.rootId);
  if (segments.length === 0) return children;
  let here = '';
  for (;;) {
    const segment = segments.shift()!;
    here = here ? `${here}/${segment}` : segment;
    const hit = children.find((e) => nameKey(e.name) === nameKey(segment));
    if (!hit) throw new ShareCommandError(`${here}: no such file or directory in share ${share.shareId}`);
    if (segments.length === 0) return [hit];
    if (hit.kind !== 'dir') throw new ShareCommandError(`${here}: not a folder in share ${share.shareId}`);
    children = await collect(share, hit.id);
  }
}

async function collect(share: ShareRemote, dirId: string): Promise<RemoteEntry[]> {
  const out: RemoteEntry[] = [];
  for await (const e of share.list(dirId)) out.push(e);
  return out;
}

async function exists(app: ShareCommandContext, path: string): Promise<boolean> {
  try {
    await app.vfs.stat(path);
    return true;
  } catch (err) {
    if (VfsError.is(err, 'ENOENT')) return false;
    throw err;
  }
}
