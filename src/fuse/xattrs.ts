// Extended attributes: what PDS knows about a file that stat cannot say.
//   user.pds.content_hash  uppercase hex SHA-1 of the uploaded content (when PDS reported it)
//   user.pds.pending       "1" while the content is staged locally and not yet uploaded, else "0"
// and, on files and folders of a drive, settable with setfattr (each set is one file/update):
//   user.pds.starred       "1" or "0" (also accepts true/false)
//   user.pds.description   text
//   user.pds.labels        comma-separated labels
// and, read-only, on images whose EXIF has them:
//   user.pds.taken_at      capture time, ISO 8601
//   user.pds.location      "latitude,longitude"
import { VfsError } from '../core/errors.js';
import type { NodeInfo } from '../vfs/types.js';
import type { FileMeta, MetaChange } from '../core/view-remote.js';

export const XATTR_NAMESPACE = 'user.pds.';
const CONTENT_HASH = `${XATTR_NAMESPACE}content_hash`;
const PENDING = `${XATTR_NAMESPACE}pending`;
const STARRED = `${XATTR_NAMESPACE}starred`;
const DESCRIPTION = `${XATTR_NAMESPACE}description`;
const LABELS = `${XATTR_NAMESPACE}labels`;
const TAKEN_AT = `${XATTR_NAMESPACE}taken_at`;
const LOCATION = `${XATTR_NAMESPACE}location`;
const SETTABLE = [STARRED, DESCRIPTION, LABELS];

/** Names that need the drive's metadata (one file/get) to answer. */
export function isMetaXattr(name: string): boolean {
  return SETTABLE.includes(name) || name === TAKEN_AT || name === LOCATION;
}

export function isSettableXattr(name: string): boolean {
  return SETTABLE.includes(name);
}

export function xattrNames(node: NodeInfo, meta?: FileMeta): string[] {
  const own = node.kind !== 'file' ? [] : node.contentHash && !node.pending ? [CONTENT_HASH, PENDING] : [PENDING];
  if (!meta) return own;
  return [...own, ...SETTABLE, ...(meta.takenAt ? [TAKEN_AT] : []), ...(meta.location ? [LOCATION] : [])];
}

/** The attribute's value, or null when the node has no such attribute (ENODATA). */
export function xattrValue(node: NodeInfo, name: string, meta?: FileMeta): Buffer | null {
  if (!xattrNames(node, meta).includes(name)) return null;
  if (name === CONTENT_HASH) return Buffer.from(node.contentHash ?? '');
  if (name === PENDING) return Buffer.from(node.pending ? '1' : '0');
  if (name === STARRED) return Buffer.from(meta!.starred ? '1' : '0');
  if (name === DESCRIPTION) return Buffer.from(meta!.description);
  if (name === TAKEN_AT) return Buffer.from(meta!.takenAt ?? '');
  if (name === LOCATION) return Buffer.from(meta!.location ?? '');
  return Buffer.from(meta!.labels.join(','));
}

/** The change a setxattr asks for; undefined for names that cannot be set (ENOTSUP). */
export function metaChange(name: string, value: Buffer | null, path: string): MetaChange | undefined {
  const text = value ? value.toString('utf8').trim() : '';
  if (name === STARRED) {
    if (/^(1|true|yes)$/i.test(text)) return { starred: true };
    if (/^(0|false|no|)$/i.test(text)) return { starred: false };
    throw new VfsError('EINVAL', 'user.pds.starred takes 1 or 0', path);
  }
  if (name === DESCRIPTION) return { description: text };
  if (name === LABELS) return { labels: text.split(',').map((l) => l.trim()).filter((l) => l !== '') };
  return undefined;
}
