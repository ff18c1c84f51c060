// Fresh temp dirs for tests, on real disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export function makeTempDir(prefix = 'pdsfs-cache-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A temp dir removed when the test ends, and again at exit (a late background block write may recreate it). */
export function tempDir(t: TestContext, prefix?: string): string {
  const { dir, remove } = makeTempDir(prefix);
  t.after(remove);
  process.once('exit', remove);
  return dir;
}
