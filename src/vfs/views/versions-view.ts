// versions/<drive>/<path of a file>/: one read-only file per revision of that file, named by the
// time it was written ("2026-11-30T10.04.05Z.pdf", keeping the extension). Folders mirror the
// drive's folders.
import path from 'node:path';
import { VfsError } from '../../core/errors.js';
import { displayNames } from '../names.js';
import type { NodeInfo } from '../types.js';
import type { ViewContext, ViewDrive } from './view-context.js';
import { dirNode, type ViewNode } from './view-node.js';
import type { FileRevision } from '../../core/view-remote.js';

export function versionsView(ctx: ViewContext): ViewNode {
  return dirNode('versions', 'versions:', { list: async () => ctx.drives.map((d) => folder(ctx, d, [], d.volume.dirName)) });
}

function folder(ctx: ViewContext, drive: ViewDrive, segments: string[], name: string, info?: NodeInfo): ViewNode {
  return dirNode(name, `versions:${drive.volume.id}:${segments.join('/')}`, {
    ...(info ? { mtime: info.mtime, ctime: info.ctime } : {}),
    list: async () => {
      const children = await ctx.inner.readdir(ctx.drivePath(drive.volume, segments));
      return children.map((c) => (c.kind === 'dir' ? folder(ctx, drive, [...segments, c.name], c.name, c) : fileRevisions(ctx, drive, [...segments, c.name], c)));
    },
  });
}

function fileRevisions(ctx: ViewContext, drive: ViewDrive, segments: string[], info: NodeInfo): ViewNode {
  return dirNode(info.name, `versions:${drive.volume.id}:${segments.join('/')}`, {
    mtime: info.mtime,
    ctime: info.ctime,
    list: async () => {
      const at = await ctx.locate(ctx.drivePath(drive.volume, segments)).catch((err: unknown) => {
        // Not uploaded yet: no revision on the server.
        if (VfsError.is(err, 'EAGAIN')) return undefined;
        throw err;
      });
      if (!at) return [];
      const revisions = await drive.remote.revisions(at.id);
      const ext = path.extname(info.name);
      // Revision ids begin with a time prefix, so the name suffix of same-second revisions comes from their end.
      const named = revisions.map((r) => ({ id: r.revisionId.slice(-8), name: revisionName(r.time, ext), ctime: r.time, r }));
      const names = displayNames(named);
      return named.map(({ r, id }) => revisionFile(ctx, drive, at.id, r, names.get(id) ?? revisionName(r.time, ext)));
    },
  });
}

/** "2026-11-30T10.04.05Z" + extension: an ISO time without milliseconds, dots for the colons. */
export function revisionName(time: number, ext: string): string {
  return `${new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '.')}${ext}`;
}

/** Read through the block cache like current content: blocks are keyed by content hash, so equal contents share them. */
function revisionFile(ctx: ViewContext, drive: ViewDrive, fileId: string, r: FileRevision, name: string): ViewNode {
  const file = { volume: drive.volume.id, fileId, revision: r.contentHash, size: r.size, revisionId: r.revisionId };
  return {
    name,
    kind: 'file',
    size: r.size,
    mtime: r.time,
    ctime: r.time,
    identity: `revision:${drive.volume.id}:${fileId}:${r.revisionId}`,
    etag: r.contentHash,
    ...(r.contentHash ? { contentHash: r.contentHash } : {}),
    read: (into, pos, len, readerId) => ctx.blocks.read(file, into, pos, len, readerId),
    restore: () => drive.remote.restoreRevision(fileId, r.revisionId),
  };
}
