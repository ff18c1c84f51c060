// What the views share: the drives they show (those whose remote offers ViewRemote), the block
// cache for reading drive files, and the main VFS for paths inside the drives.
import type { BlockCache } from '../../cache/blocks/block-cache.js';
import { displayNames } from '../names.js';
import type { RemoteEntry } from '../../core/remote.js';
import type { VfsAdmin } from '../admin.js';
import type { Vfs } from '../types.js';
import type { Volume } from '../volume.js';
import { entryNode, type ViewNode } from './view-node.js';
import type { ViewRemote } from '../../core/view-remote.js';

export interface ViewDrive {
  volume: Volume;
  remote: ViewRemote;
}

export interface ViewContext {
  drives: readonly ViewDrive[];
  blocks: BlockCache;
  inner: Vfs;
  locate: VfsAdmin['locate'];
  /** The main namespace path of a path inside a drive (segments below the drive's root). */
  drivePath(volume: Volume, segments: readonly string[]): string;
}

/** Runs a file/search query on every drive; equal names get the stable id suffix. */
export async function searchDrives(ctx: ViewContext, query: string): Promise<ViewNode[]> {
  const found: { drive: ViewDrive; entry: RemoteEntry }[] = [];
  for (const drive of ctx.drives) {
    for (const entry of await drive.remote.search(query)) found.push({ drive, entry });
  }
  const names = displayNames(found.map((f) => f.entry));
  return found.map(({ drive, entry }) => entryNode(names.get(entry.id) ?? entry.name, drive.volume, drive.remote, entry, ctx.blocks));
}
