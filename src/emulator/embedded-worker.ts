// Worker side of embedded.ts: starts the local PDS server, reports its account, and closes it (SQLite
// included) when asked.
import { parentPort, workerData } from 'node:worker_threads';
import type { EmbeddedReady } from './embedded.js';
import { Emulator } from './index.js';

const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };
try {
  const emulator = await Emulator.start({ dataDir, port: 0 });
  port.once('message', () => {
    void emulator.close().finally(() => port.close());
  });
  port.postMessage({ account: emulator.devAccount() } satisfies EmbeddedReady);
} catch (err) {
  port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies EmbeddedReady);
}
