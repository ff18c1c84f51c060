// Which waiting namespace changes may replay at once. Each change claims what it touches: its own
// entry and the names it takes or frees exclusively, the folders it changes something in (and their
// ancestors, as the cached tree has them) shared. A change starts only when no earlier change still
// waiting or running claims the same things in a way that excludes it, so:
//   - a folder is made before anything goes into it (the child holds the new folder shared, the
//     mkdir holds it exclusively), and removed or moved only after what was done inside it (a
//     folder removed offline also holds every folder of its subtree the cache had);
//   - two changes of one entry, or of one name in one folder, keep their order;
//   - changes in different folders, or of different names in one folder, run together.
// The order only ever follows the op log's ids, so a restart after kill -9 finds the same order.
import type { Op } from '../cache/metadata/ops.js';
import { nameKey } from '../shared/name-key.js';

export interface Claims {
  exclusive: string[];
  shared: string[];
}

/** Folders above an entry followed at most (a bound on a corrupt, cyclic cache). */
const MAX_DEPTH = 1000;

/**
 * The folder the cached tree has an entry in (undefined when the entry is not cached); one look at the
 * replay's queue asks it for the same folders again and again, so it remembers (parentsMemo).
 */
export type ParentOf = (volume: string, id: string) => string | undefined;

/** What a change claims; `real` maps a folder id made offline to the PDS id it was given, if any. */
export function claimsOf(op: Op, parentOf: ParentOf, real: (id: string) => string): Claims {
  const v = op.volume;
  const node = real(op.nodeId);
  const exclusive = [`${v}:${node}`];
  const folders: string[] = [];
  const name = (folder: string, n: string | null | undefined) => {
    if (n) exclusive.push(`${v}:${folder}/${nameKey(n)}`);
  };
  const oldParent = op.entry?.parentId ? real(op.entry.parentId) : parentOf(v, node);
  switch (op.kind) {
    case 'mkdir':
    case 'move': {
      const parent = real(op.parentId!);
      folders.push(parent);
      name(parent, op.name);
      if (op.kind === 'move' && oldParent) {
        folders.push(oldParent);
        name(oldParent, op.entry?.name);
      }
      break;
    }
    case 'remove':
      if (oldParent) {
        folders.push(oldParent);
        name(oldParent, op.entry?.name);
      }
      // The folders of a removed subtree are gone from the cached tree, so a change inside them
      // names none of them as ancestors: the remove claims them itself, and goes after those changes.
      for (const f of op.seen?.listed ?? []) exclusive.push(`${v}:${real(f)}`);
      break;
    case 'meta':
    case 'upload':
      if (oldParent) folders.push(oldParent);
      break;
  }
  const shared = new Set<string>();
  for (const folder of folders) {
    let id: string | undefined = folder;
    for (let depth = 0; id && depth < MAX_DEPTH && !shared.has(`${v}:${id}`); depth++) {
      shared.add(`${v}:${id}`);
      id = parentOf(v, id);
    }
  }
  return { exclusive, shared: [...shared] };
}

/** ParentOf over one unchanged cached tree, each entry looked up once. */
export function parentsMemo(parentOf: ParentOf): ParentOf {
  const known = new Map<string, string | undefined>();
  return (volume, id) => {
    const key = `${volume}:${id}`;
    if (known.has(key)) return known.get(key);
    const parent = parentOf(volume, id);
    known.set(key, parent);
    return parent;
  };
}

/** Claims of the changes ahead, to test the next one against. */
export class ClaimSet {
  private readonly exclusive = new Set<string>();
  private readonly shared = new Set<string>();

  /** Whether a change with these claims must wait for the ones added before. */
  blocks(c: Claims): boolean {
    return c.exclusive.some((k) => this.exclusive.has(k) || this.shared.has(k)) || c.shared.some((k) => this.exclusive.has(k));
  }

  add(c: Claims): void {
    for (const k of c.exclusive) this.exclusive.add(k);
    for (const k of c.shared) this.shared.add(k);
  }
}
