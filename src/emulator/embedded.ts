// The embedded local PDS server (serve/mount without --endpoint) runs in a worker thread: its
// request handling, hashing and SQLite work never block the daemon's event loop, so FUSE and WebDAV
// requests are answered while uploads land. A worker (not a child process) dies with the daemon, so
// a kill -9 leaves nothing behind holding the data dir.
import v8 from 'node:v8';
import { moduleWorker } from '../shared/module-worker.js';
import type { DevAccount } from './index.js';

export interface EmbeddedServer {
  readonly endpoint: string;
  /** The development user's tokens, issued at start. */
  readonly account: DevAccount;
  close(): Promise<void>;
}

/** The worker's thread name, as ps -L and top -H show it. */
export const EMBEDDED_THREAD_NAME = 'pdsfs-server';

/** What the worker posts: its account once listening, or why it could not start. */
export type EmbeddedReady = { account: DevAccount } | { error: string };

/**
 * The worker's young generation, in MiB (V8's default is 32 MiB, all of it resident after a burst of
 * uploads). Requests allocate little that outlives them, so a small one costs a few more scavenges
 * and keeps the daemon's RSS lower: 3 MiB is V8's two 1 MiB semi-spaces and room for large objects.
 */
const WORKER_YOUNG_GENERATION_MB = 3;

export async function startEmbedded(dataDir: string): Promise<EmbeddedServer> {
  // A --max-semi-space-size on Node's command line (bin/pdsfs's) sizes every isolate V8 creates and
  // overrides resourceLimits. The main isolate has its size already, so it is cleared for the worker.
  v8.setFlagsFromString('--max-semi-space-size=0');
  const options = { workerData: { dataDir }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } };
  const worker = moduleWorker(import.meta.url, 'embedded-worker', options);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ready = await new Promise<EmbeddedReady>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    void exited.then(() => reject(new Error('the embedded local PDS server stopped while starting')));
  });
  if ('error' in ready) {
    await worker.terminate();
    throw new Error(ready.error);
  }
  return {
    endpoint: ready.account.endpoint,
    account: ready.account,
    async close() {
      worker.postMessage('close');
      await exited;
    },
  };
}
