// AppOptions for a pdsfs app on a given PDS endpoint, with small caches under one temp dir. Apart
// from app.ts (which also starts the local server), so benchmark processes can use it without
// loading the server's modules.
import path from 'node:path';
import type { AppOptions } from '../../src/app-options.js';

export function defaultAppOptions(endpoint: string, accessToken: string, cacheDir: string): AppOptions {
  return {
    endpoint,
    accessToken,
    dataDir: path.join(cacheDir, 'unused-data'),
    cacheDir,
    cacheMem: 64 * 1024 * 1024,
    cacheMaxSize: 256 * 1024 * 1024,
    blockSize: 1024 * 1024,
    readOnly: false,
    pollIntervalMs: 3_600_000,
    dirCacheTimeMs: 60_000,
    writeBackMs: 0,
    deletePermanently: false,
  };
}
