// The embedded local PDS server (serve/mount without --endpoint) runs in a worker thread: its
// request handling, hashing and SQLite work never block the daemon's event loop, so FUSE and WebDAV
// requests are answered while uploads land. A worker (not a child process) dies with the daemon, so
// a kill -9 leaves nothing behind holding the data dir.
import { Worker } from 'node:worker_threads';
import type { DevAccount } from './index.js';

export interface EmbeddedServer {
  readonly endpoint: string;
  /** The development user's tokens, issued at start. */
  readonly account: DevAccount;
  close(): Promise<void>;
}

/** What the worker posts: its account once listening, or why it could not start. */
export type EmbeddedReady = { account: DevAccount } | { error: string };

export async function startEmbedded(dataDir: string): Promise<EmbeddedServer> {
  // Compiled (dist/), the worker loads the compiled entry. Run from the TypeScript sources through
  // tsx's loader, which a worker does not inherit, it registers that loader first.
  const compiled = import.meta.url.endsWith('.js');
  const entry = JSON.stringify(new URL(compiled ? './embedded-worker.js' : './embedded-worker.ts', import.meta.url).href);
  const boot = compiled ? `import(${entry})` : `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${entry}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { dataDir } });
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
