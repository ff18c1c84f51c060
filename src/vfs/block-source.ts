// Feeds the block cache from the volumes' remotes: one ranged read per block.
import type { BlockSource } from '../cache/blocks/block-cache.js';
import { VfsError } from './errors.js';
import type { Volume } from './volume.js';

export class RemoteBlockSource implements BlockSource {
  constructor(private readonly volume: (id: string) => Volume | undefined) {}

  async fetch(file: { volume: string; fileId: string; revision: string; size: number }, start: number, endInclusive: number, signal?: AbortSignal): Promise<Buffer> {
    const volume = this.volume(file.volume);
    if (!volume) throw new VfsError('ENOENT', `volume ${file.volume} is not configured`);
    const stream = await volume.remote.openRange({ id: file.fileId, revision: file.revision, size: file.size }, start, endInclusive, signal);
    const out = Buffer.allocUnsafe(endInclusive - start + 1);
    let at = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (at + chunk.length > out.length) {
        stream.destroy();
        throw new VfsError('EIO', 'server sent more bytes than asked for');
      }
      chunk.copy(out, at);
      at += chunk.length;
    }
    if (at !== out.length) throw new VfsError('EIO', `short read: ${at} of ${out.length} bytes`);
    return out;
  }
}
