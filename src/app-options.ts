// Typed options of the composition root (src/app.ts). The CLI builds this from argv; tests build it directly.
import type { SharedTokenStore } from './pds/auth.js';
import type { JwtAppCredentials } from './pds/jwt.js';

export interface AppOptions {
  /** PDS endpoint; absent means: start the embedded local PDS server on dataDir. */
  endpoint?: string;
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
  /** JWT application credentials (preferred over a refresh token). */
  jwt?: JwtAppCredentials;
  /** Store of the embedded local PDS server. */
  dataDir: string;
  cacheDir: string;
  /** Bytes. */
  cacheMem: number;
  /** Bytes. */
  cacheMaxSize: number;
  /** Bytes. */
  blockSize: number;
  /** Serve one drive (name or id) at the root. */
  drive?: string;
  /** With `drive`: show trash/, versions/, search/ and starred/ at the root too (always shown without it). */
  showViews?: boolean;
  /** Share links "ID" or "ID:PASSWORD". */
  shares?: string[];
  readOnly: boolean;
  /** Between change-feed polls. */
  pollIntervalMs: number;
  /** How long a listing is trusted without a change feed. */
  dirCacheTimeMs: number;
  /** Wait after close before uploading. */
  writeBackMs: number;
  deletePermanently: boolean;
  /** Most ranged GETs one sequential read runs at once; default 8. */
  downloadStreams?: number;
  /** Most parts of one file uploaded at once; default 8. */
  uploadParts?: number;
  /** Folders listed at once ahead of a tree walk; default 8, 0 = none. */
  listPrefetch?: number;
  /** Bound of staged-but-not-uploaded bytes; writers wait beyond it. */
  maxDirtyBytes?: number;
  /** Number nodes for st_ino (FUSE); WebDAV shows none and turns it off (src/vfs/node-info.ts). Default true. */
  inodeNumbers?: boolean;
  /** How long an attribute change waits for the next of the same entry before it is sent (replay.ts); tests lengthen it. */
  metaSettleMs?: number;
  /** Where the refresh-token pair of the stored login is shared with the other pdsfs processes. */
  tokenStore?: SharedTokenStore;
}
