// Young-generation collections paced by the bytes of bodies downloaded and uploaded. Each chunk of
// a response body is a buffer outside V8's heap (Node's HTTP parser copies it out of the socket's
// read), dead once the block cache copied it into a block; each chunk of a part upload is one too
// (a file stream's read, or a small part read whole), dead once the socket took it. V8 counts
// those bytes against the old generation's limit until a collection frees them; yet a transfer
// allocates little on the heap, so the young generation rarely fills and no scavenge comes: the
// limit is reached first, and a full collection (marking the whole heap, on helper threads too) ran
// every 10–20 MB of a cold read. A scavenge frees the same dead buffers for a fraction of that, so
// one runs for every SCAVENGE_EVERY_BYTES of body received, and of body sent (docs/benchmarks.md,
// session 10 of the cold read, session 19 of the uploads).
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

const SCAVENGE_EVERY_BYTES = 4 * 1024 * 1024;

type Gc = (options: { type: 'minor' }) => void;

let gc: Gc | undefined;
/** Bytes counted since the last scavenge, by direction (each test of one direction counts its own). */
const since = { received: 0, sent: 0 };

/** Counts `bytes` of body received; every SCAVENGE_EVERY_BYTES, a scavenge frees the chunks already consumed. */
export function bodyReceived(bytes: number): void {
  count('received', bytes);
}

/** Counts `bytes` of upload body handed to the socket; every SCAVENGE_EVERY_BYTES, a scavenge frees the chunks sent. */
export function bodySent(bytes: number): void {
  count('sent', bytes);
}

function count(direction: keyof typeof since, bytes: number): void {
  since[direction] += bytes;
  if (since[direction] < SCAVENGE_EVERY_BYTES) return;
  since[direction] = 0;
  (gc ??= v8Gc())({ type: 'minor' });
}

/** V8's gc(): the global one when node runs with --expose-gc, else one made for this module alone. */
function v8Gc(): Gc {
  const global = (globalThis as { gc?: Gc }).gc;
  if (global) return global;
  // V8 installs gc() in contexts created while the flag is on; none made after sees it.
  v8.setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as Gc;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
