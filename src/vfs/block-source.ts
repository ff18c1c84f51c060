// Feeds the block cache from the volumes' remotes: one streamed ranged GET per request, which the
// cache cuts into blocks as the bytes arrive.
import type { BlockSource, CachedFile } from '../cache/blocks/block-source.js';
import { VfsError } from '../core/errors.js';
import type { Volume } from './volume.js';

export class RemoteBlockSource implements BlockSource {
  constructor(private readonly volume: (id: string) => Volume | undefined) {}

  open(file: CachedFile, start: number, endInclusive: number, signal?: AbortSignal): Promise<AsyncIterable<Buffer>> {
    const volume = this.volume(file.volume);
    if (!volume) return Promise.reject(new VfsError('ENOENT', `volume ${file.volume} is not configured`));
    const entry = { id: file.fileId, revision: file.revision, size: file.size, ...(file.revisionId ? { revisionId: file.revisionId } : {}) };
    return volume.remote.openRange(entry, start, endInclusive, signal);
  }
}
