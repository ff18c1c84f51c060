// Writing to a response without outrunning the client: wait for 'drain' (or for the connection to
// close) whenever the socket buffer is full, without leaving listeners behind. Shared by the WebDAV
// front-end's bodies and the local server's downloads.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes `chunk` (`onFlushed` once the socket took it) and resolves when `out` can take more: true,
 * or false when it closed first.
 */
export async function writeChunk(out: Writable, chunk: Buffer | string, onFlushed?: () => void): Promise<boolean> {
  if (out.write(chunk, onFlushed)) return true;
  if (out.destroyed) return false;
  const ac = new AbortController();
  try {
    return await Promise.race([once(out, 'drain', { signal: ac.signal }).then(() => true), once(out, 'close', { signal: ac.signal }).then(() => false)]);
  } finally {
    ac.abort();
  }
}
