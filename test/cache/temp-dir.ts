// Fresh temp dirs for tests, on real disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export function makeTempDir(prefix = 'pdsfs-cache-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // Retried: a block write still landing can refill a folder between its listing and its rmdir (ENOTEMPTY).
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }) };
}

// Removed again at exit: a late background block write may recreate a dir after its test ended.
const atExit: (() => void)[] = [];
process.once('exit', () => atExit.forEach((remove) => remove()));

/** A temp dir removed when the test ends. */
export function tempDir(t: TestContext, prefix?: string): string {
  const { dir, remove } = makeTempDir(prefix);
  t.after(remove);
  atExit.push(remove);
  return dir;
}
