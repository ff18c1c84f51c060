// Worker side of embedded.ts: starts the local PDS server, reports its account, and closes it (SQLite
// included) when asked.
import { parentPort, workerData } from 'node:worker_threads';
import type { EmbeddedReady } from './embedded.js';
import { Emulator } from './index.js';

const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };
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
