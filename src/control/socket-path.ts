// Where daemons listen: one Unix socket per running serve or mount, <cacheDir>/control/<pid>.sock.
// Under the cache dir because that is what a daemon and `pdsfs status` share (the same --cache-dir,
// PDSFS_CACHE_DIR or config key); one file per process because several daemons may share a cache
// dir (each data source has its own cache subdirectory). The folder is 0700 and each socket 0600.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

export function controlSocketDir(cacheDir: string): string {
  return path.join(path.resolve(cacheDir), 'control');
}

export function controlSocketPath(cacheDir: string, pid = process.pid): string {
  return path.join(controlSocketDir(cacheDir), `${pid}.sock`);
}

/** Socket files in the control folder, live or stale, oldest pid first. */
export async function controlSocketFiles(cacheDir: string): Promise<string[]> {
  const dir = controlSocketDir(cacheDir);
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  return names
    .filter((n) => /^\d+\.sock$/.test(n))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((n) => path.join(dir, n));
}
