// Identity of one cached block. The revision is part of the key, so a changed file never serves
// stale bytes: its new revision simply has no cached blocks yet.

export interface BlockKey {
  volume: string;
  fileId: string;
  revision: string;
  index: number;
}

// Components are URI-encoded so '/' separates them unambiguously and keys stay ASCII.
const enc = encodeURIComponent;

export function blockKeyString(k: BlockKey): string {
  return `${blockFilePrefix(k.volume, k.fileId)}${enc(k.revision)}/${k.index}`;
}

/** The prefix shared by every block key of a file, all revisions. */
export function blockFilePrefix(volume: string, fileId: string): string {
  return `${enc(volume)}/${enc(fileId)}/`;
}

/** The file prefix (blockFilePrefix) a block key starts with: up to its second '/'. */
export function filePrefixOf(key: string): string {
  return key.slice(0, key.indexOf('/', key.indexOf('/') + 1) + 1);
}
