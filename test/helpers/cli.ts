// The pdsfs command run from its TypeScript sources (through tsx), so that tests see the code as it
// is now rather than a stale dist/. The compiled bin itself is tested by test/cli/package.test.ts.
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../..');

/** Node arguments that run `pdsfs ARGS…` (use with process.execPath; any cwd works). */
export function pdsfsArgs(...args: string[]): string[] {
  return ['--import', import.meta.resolve('tsx'), path.join(REPO, 'src/cli/main.ts'), ...args];
}
