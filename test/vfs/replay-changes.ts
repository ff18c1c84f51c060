// The namespace changes both parallel replay tests make while PDS is unreachable, and the server tree
// they must give: independent folders side by side, a chain of folders each inside the one before, a
// file moved into a folder made offline and then renamed there, and a name freed and taken again.
import type { Vfs } from '../../src/vfs/types.js';
import type { Tree } from './offline-support.js';

/** Independent top-level folders: their mkdirs may run at once. */
export const SIDE_BY_SIDE = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];

/** Expects `root/moved.txt` (content 'moved') on the server before. */
export async function makeChanges(vfs: Vfs, root: string): Promise<void> {
  for (const name of SIDE_BY_SIDE) await vfs.mkdir(`${root}/${name}`);
  await vfs.mkdir(`${root}/chain`);
  await vfs.mkdir(`${root}/chain/a`);
  await vfs.mkdir(`${root}/chain/a/b`);
  await vfs.rename(`${root}/moved.txt`, `${root}/p1/moved.txt`);
  await vfs.rename(`${root}/p1/moved.txt`, `${root}/p1/renamed.txt`);
  await vfs.mkdir(`${root}/again`);
  await vfs.remove(`${root}/again`);
  await vfs.mkdir(`${root}/again`);
  await vfs.mkdir(`${root}/again/inside`);
}

/** The server's tree once they are replayed; `movedSha1`: the moved file's content hash. */
export function expectedTree(movedSha1: string): Tree {
  const tree: Tree = { '/again': 'dir', '/again/inside': 'dir', '/chain': 'dir', '/chain/a': 'dir', '/chain/a/b': 'dir', '/p1/renamed.txt': movedSha1 };
  for (const name of SIDE_BY_SIDE) tree[`/${name}`] = 'dir';
  return tree;
}
