// trash/<drive>/: each drive's recycle bin. Entries can be moved out (restore, see views-vfs.ts)
// and deleted (purge for good); trashed folders show no content (PDS lists no trashed children).
import { VfsError } from '../../core/errors.js';
import { displayNames } from '../names.js';
import type { ViewContext, ViewDrive } from './view-context.js';
import { dirNode, entryNode, type ReadFn, type ViewNode } from './view-node.js';

export function trashView(ctx: ViewContext): ViewNode {
  return dirNode('trash', 'trash:', { list: async () => ctx.drives.map((d) => driveBin(ctx, d)) });
}

function driveBin(ctx: ViewContext, drive: ViewDrive): ViewNode {
  return dirNode(drive.volume.dirName, `trash:${drive.volume.id}`, {
    list: async () => {
      const entries = await drive.remote.trashed();
      const names = displayNames(entries);
      return entries.map((e) => {
        const node = entryNode(names.get(e.id) ?? e.name, drive.volume, drive.remote, e, ctx.blocks, {
          movable: true,
          list: async () => [],
          restore: () => drive.remote.restore(e.id),
        });
        return node.read ? { ...node, read: explained(node.read) } : node;
      });
    },
  });
}

/** The server may refuse the content of a file in the recycle bin: say what to do instead. */
function explained(read: ReadFn): ReadFn {
  return async (into, pos, len, readerId) => {
    try {
      return await read(into, pos, len, readerId);
    } catch (err) {
      if (!VfsError.is(err, 'ENOENT') && !VfsError.is(err, 'EACCES')) throw err;
      throw new VfsError('EACCES', 'the server does not serve this file while it is in the recycle bin: move it out of trash/ to read it', undefined, { cause: err });
    }
  };
}
