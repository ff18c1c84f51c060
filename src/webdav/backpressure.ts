// Writing to a response without outrunning the client: wait for 'drain' (or for the connection to
// close) whenever the socket buffer is full, without leaving listeners behind.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export async function writeChunk(out: Writable, chunk: Buffer | string): Promise<void> {
  if (out.write(chunk)) return;
  const ac = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: ac.signal }), once(out, 'close', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}
