// NodeInfo as front-ends see it, from a resolved node plus any open (unflushed) state.
import { LRUCache } from 'lru-cache';
import type { OpenFile } from './open-file.js';
import { currentAttrs, parsePosixMeta } from './posix-attrs.js';
import type { VNode } from './resolver.js';
import type { NodeInfo } from './types.js';

/**
 * Inode numbers by node identity, for FUSE's st_ino. The kernel keys its inodes by libfuse's node
 * ids, not by these; tools compare them between a stat and the next (find's loop check, rsync -H,
 * git's index). So a number stays while its node is among the last `max` described, and the table
 * forgets the least recently described beyond that (a mount that lists a million nodes does not keep
 * them all): a node described again after that gets a new number, never a reused one.
 * The table is keyed by a 53-bit hash of the identity, not the identity string (a concatenation V8
 * keeps as three objects): during an `ls -l` of 200,000 entries the mount's heap was 73 MiB with
 * string keys and 48 with hashes, its peak RSS 208–216 and 193 MiB (docs/benchmarks.md, large
 * folders). Two identities sharing a hash would share a number; among the 131,072 kept that has a
 * chance of about one in a million.
 * A front-end that shows no inode numbers (WebDAV) turns numbering off: every node is inode 0.
 */
export class InodeTable {
  private readonly inos: LRUCache<number, number>;
  private next = 2;

  constructor(private readonly numbered = true, max = INODES_KEPT) {
    this.inos = new LRUCache({ max });
  }

  /** `identity` from now on has the inode `old` had (a folder made offline got its PDS id). */
  alias(identity: string, old: string): void {
    const ino = this.inos.get(identityHash(old));
    if (ino !== undefined) this.inos.set(identityHash(identity), ino);
  }

  of(identity: string): number {
    if (!this.numbered) return 0;
    if (identity === ROOT_IDENTITY) return 1;
    const key = identityHash(identity);
    let ino = this.inos.get(key);
    if (ino === undefined) {
      ino = this.next++;
      this.inos.set(key, ino);
    }
    return ino;
  }

  get size(): number {
    return this.inos.size;
  }
}

/** More than a 100,000-entry folder and what a walk holds around it; at most about 12 MiB of heap. */
const INODES_KEPT = 131_072;

/**
 * A 53-bit hash of a string (a JavaScript number holds it exactly): two 32-bit multiplicative
 * hashes mixed at the end, after cyrb53 (bryc, public domain).
 */
export function identityHash(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
const ROOT_IDENTITY = 'virtual:/';

// Namespace folders and volume roots have no times of their own: show when pdsfs started (not 1970).
const STARTED = Date.now();

export function nodeInfo(node: VNode, inodes: InodeTable, open: OpenFile | undefined, readOnly: boolean): NodeInfo {
  const identity = node.virtual
    ? `virtual:${node.path}`
    : node.entry
      ? `${node.volume!.id}|id|${node.entry.id}`
      : node.row
        ? `${node.volume!.id}|row|${node.row.id}`
        : `${node.volume!.id}|id|${node.id}`;
  const base = {
    path: node.path,
    name: node.name,
    kind: node.kind,
    ino: inodes.of(identity),
    // Namespace directories take no files.
    readOnly: readOnly || (node.volume ? node.volume.readOnly : true) || !!node.entry?.readOnly,
  };
  if (node.row) {
    const size = open?.size ?? node.row.size;
    const mtime = open?.modifiedAt ?? node.row.mtime;
    // Committed content whose sha1 is known gets the ETag it will keep once uploaded (PDS content
    // hashes are upper-case sha1), so clients see no change when the upload lands.
    const sha1 = open?.modifiedAt === undefined ? node.row.sha1?.toUpperCase() : undefined;
    const etag = sha1 ?? `p${node.row.id}-${size}-${mtime}`;
    return {
      ...base, size, mtime, ctime: node.entry?.ctime ?? node.row.createdAt, etag, ...(sha1 ? { contentHash: sha1 } : {}), pending: true,
      ...withAttrs(node.row.userMeta, mtime),
    };
  }
  if (node.entry) {
    // Built field by field: this runs once per entry of every listing.
    const e = node.entry;
    const file = e.kind === 'file';
    const info: NodeInfo = {
      path: base.path,
      name: base.name,
      kind: base.kind,
      ino: base.ino,
      readOnly: base.readOnly,
      size: file ? e.size : 0,
      mtime: e.mtime,
      ctime: e.ctime,
      etag: file ? e.contentHash ?? e.revision : '',
      pending: false,
      // A folder's mtime on the server (updated_at) moves with renames, not with its entries: its stored attributes stand.
      ...withAttrs(e.userMeta, e.kind === 'file' ? e.mtime : undefined),
    };
    if (e.contentHash) info.contentHash = e.contentHash;
    return info;
  }
  return { ...base, size: 0, mtime: STARTED, ctime: STARTED, etag: '', pending: false };
}

function withAttrs(userMeta: string | null | undefined, mtime: number | undefined): Pick<NodeInfo, 'attrs'> {
  const stored = parsePosixMeta(userMeta);
  if (!stored) return {};
  return { attrs: mtime === undefined ? stored : currentAttrs(stored, mtime) };
}
