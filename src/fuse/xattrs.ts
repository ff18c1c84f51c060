// Read-only extended attributes: what PDS knows about a file that stat cannot say.
//   user.pds.content_hash  uppercase hex SHA-1 of the uploaded content (when PDS reported it)
//   user.pds.pending       "1" while the content is staged locally and not yet uploaded, else "0"
import type { NodeInfo } from '../vfs/types.js';

export const XATTR_NAMESPACE = 'user.pds.';
const CONTENT_HASH = `${XATTR_NAMESPACE}content_hash`;
const PENDING = `${XATTR_NAMESPACE}pending`;

export function xattrNames(node: NodeInfo): string[] {
  if (node.kind !== 'file') return [];
  return node.contentHash && !node.pending ? [CONTENT_HASH, PENDING] : [PENDING];
}

/** The attribute's value, or null when the node has no such attribute (ENODATA). */
export function xattrValue(node: NodeInfo, name: string): Buffer | null {
  if (!xattrNames(node).includes(name)) return null;
  if (name === CONTENT_HASH) return Buffer.from(node.contentHash ?? '');
  return Buffer.from(node.pending ? '1' : '0');
}
