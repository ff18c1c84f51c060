// What survives a crash of a staging copy that started from a remote file: the journal persists it,
// the VFS fills the copy from it.
import type { ByteRange } from '../shared/byte-ranges.js';

/** What the journal keeps of a staging copy's base until the copy is complete. */
export interface StagedBase {
  /** The remote file (volume, id, revision) the copy started from. */
  volume: string;
  fileId: string;
  revision: string;
  size: number;
  /** Bytes at and after this offset are not the base's (a truncate cut them off). */
  limit: number;
  /** Byte ranges the staging file already holds itself. */
  local: ByteRange[];
}
