// A remote file's whole content as a stream read through the block cache: blocks already cached (an
// editor usually reads a file before writing it) are not downloaded again, and read-ahead fetches
// the rest in parallel. Used to make staging copies.
import { Readable } from 'node:stream';
import type { BlockCache } from '../cache/blocks/block-cache.js';
import { VfsError } from './errors.js';
import type { RemoteEntry } from './remote.js';
import type { Volume } from './volume.js';

export function remoteContent(blocks: BlockCache, volume: Volume, entry: RemoteEntry): Readable {
  const cached = { volume: volume.id, fileId: entry.id, revision: entry.revision, size: entry.size };
  const readerId = `copy-${volume.id}-${entry.id}-${Date.now()}`;
  return Readable.from(
    (async function* () {
      try {
        for (let pos = 0; pos < entry.size; ) {
          const chunk = Buffer.allocUnsafe(Math.min(blocks.blockSize, entry.size - pos));
          const n = await blocks.read(cached, chunk, pos, chunk.length, readerId);
          if (n === 0) throw new VfsError('EIO', `the remote content ended at ${pos} of ${entry.size} bytes`);
          yield n === chunk.length ? chunk : chunk.subarray(0, n);
          pos += n;
        }
      } finally {
        blocks.forgetReader(readerId);
      }
    })(),
    { objectMode: false },
  );
}
