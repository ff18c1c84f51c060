// Polling for a condition a test cannot be told about (an upload landed, a change was replayed).

/** Polls until check() is true; fails after limitMs. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > until) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100).unref());
  }
}
