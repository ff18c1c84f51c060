// Polling for a condition a test cannot be told about (an upload landed, a change was replayed).

/**
 * Polls until check() is true; fails after limitMs. Its timer keeps the event loop alive: what it
 * waits for may be driven by unref'd timers alone (StagingFiles.removeSoon), and a test process
 * whose loop ran empty would end with the wait still pending.
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > until) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
