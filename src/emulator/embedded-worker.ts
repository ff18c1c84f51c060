// Worker side of embedded.ts: starts the local PDS server, reports its account, and closes it (SQLite
// included) when asked.
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { EMBEDDED_THREAD_NAME, type EmbeddedReady } from './embedded.js';
import { Emulator } from './index.js';

const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };
try {
  // Names this thread (Linux; a synchronous write runs on the calling thread), so that top -H, ps
  // and the benchmarks tell the server's CPU from the daemon's.
  writeFileSync('/proc/thread-self/comm', EMBEDDED_THREAD_NAME);
} catch {
  // another system: the thread keeps its name
}
try {
  // The data dir is this worker's alone (the pid lock refuses a second server): exclusive store.
  const emulator = await Emulator.start({ dataDir, port: 0, exclusiveStore: true });
  port.once('message', () => {
    void emulator.close().finally(() => port.close());
  });
  port.postMessage({ account: emulator.devAccount() } satisfies EmbeddedReady);
} catch (err) {
  port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies EmbeddedReady);
}
