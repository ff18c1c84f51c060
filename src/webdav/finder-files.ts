// Names macOS Finder treats specially. The two "never index" markers are served as empty virtual
// files wherever Finder looks for them (they stop Spotlight and QuickLook from pulling every file
// through the drive). .DS_Store and AppleDouble "._*" files are Finder's private metadata: they are
// kept locally (DavStore) and never uploaded.

const VIRTUAL_NAMES: ReadonlySet<string> = new Set(['.metadata_never_index', '.ql_disablethumbnails']);

export function isVirtualName(name: string): boolean {
  return VIRTUAL_NAMES.has(name);
}

export function isSidecarName(name: string): boolean {
  return name === '.DS_Store' || name.startsWith('._');
}

/** Largest local-only file accepted (AppleDouble files are small; this bounds the SQLite row). */
export const MAX_SIDECAR_BYTES = 16 * 1024 * 1024;
