// What became of a file on the server, asked after a read of it failed: the same version (the
// failure was something else), another version, or gone. Reads of a version the server no longer
// has cannot succeed, so callers turn that into a clear error instead of retrying.
import { toVfsError, VfsError } from '../core/errors.js';
import type { RemoteEntry } from '../core/remote.js';
import type { Volume } from './volume.js';

/** How long the question may take: it runs on an error path that already waited (a down network, say). */
const CHECK_LIMIT_MS = 5000;

/** The file's entry if the server now has another version, null if it is gone, undefined if unchanged or unknown. */
export async function newerVersion(volume: Volume | undefined, fileId: string, revision: string): Promise<RemoteEntry | null | undefined> {
  if (!volume) return undefined;
  try {
    const now = await volume.remote.get(fileId, AbortSignal.timeout(CHECK_LIMIT_MS));
    return now.revision === revision ? undefined : now;
  } catch (err) {
    return VfsError.is(toVfsError(err), 'ENOENT') ? null : undefined;
  }
}
