// The pdsfs command as src/ is now (never a stale dist/), for child processes. src/ is transpiled
// to a folder of JavaScript once per content of src/ (by the tests' loader, test/loader: no type
// check, `npm test` runs tsc beside), under node_modules/.cache, so that each child starts without
// a loader: 0.7 s of CPU and 2 s of wall time less per process than tsx on a loaded 2-CPU machine.
// The compiled bin itself is tested by test/cli/package.test.ts.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { transpiled } from '../loader/transpile-hooks.mjs';

export const REPO = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(REPO, 'src');
// Under the repository's node_modules, so that the compiled files resolve its packages.
const CACHE = path.join(REPO, 'node_modules', '.cache', 'pdsfs-test-cli');
const STALE_MS = 3600_000;

/** Node arguments that run `pdsfs ARGS…` (use with process.execPath; any cwd works), with the node flags of bin/pdsfs's shebang. */
export function pdsfsArgs(...args: string[]): string[] {
  return [...BIN_NODE_FLAGS, path.join(compiledSrc(), 'cli', 'main.js'), ...args];
}

/** Node arguments that let a child process run TypeScript (a test fixture, `-e` importing a source module) through the tests' loader. */
export function tsNodeArgs(...args: string[]): string[] {
  return ['--import', path.join(REPO, 'test', 'loader', 'register.mjs'), ...args];
}

const SHEBANG = fs.readFileSync(path.join(REPO, 'bin', 'pdsfs'), 'utf8').split('\n')[0]!;
/** What `#!/usr/bin/env -S VAR=VALUE… node FLAGS…` gives node, so that children run as the installed command does. */
const BIN_NODE_FLAGS = (/^#!.*\bnode((?: --\S+)*)\s*$/m.exec(SHEBANG)?.[1] ?? '').split(' ').filter(Boolean);
/** The environment bin/pdsfs's shebang sets (glibc's arenas): a daemon measured by a bench runs with it, as users' does. */
export const BIN_ENV: Record<string, string> = Object.fromEntries([...(/-S((?: \w+=\S*)*) /.exec(SHEBANG)?.[1] ?? '').matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1]!, m[2]!]));

let compiled: string | undefined;

/** The folder holding src/ compiled, made now unless this content was compiled before. */
function compiledSrc(): string {
  if (import.meta.url.endsWith('.js')) return SRC; // run compiled (test/loader/compile-tree.mjs): src/ beside is JavaScript already
  if (compiled) return compiled;
  const files = (fs.readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  const sources = files.map((f) => fs.readFileSync(path.join(SRC, f), 'utf8'));
  const hash = createHash('sha256').update(fs.readFileSync(import.meta.filename)).update(fs.readFileSync(new URL('../loader/transpile-hooks.mjs', import.meta.url))); // how it compiles
  files.forEach((f, i) => hash.update(`\0${f}\0${sources[i]}`));
  const dir = path.join(CACHE, hash.digest('hex').slice(0, 16));
  if (!fs.existsSync(dir)) {
    // Built aside and renamed into place, so that test files starting together never see half of it.
    const tmp = `${dir}.${process.pid}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    files.forEach((f, i) => {
      const file = path.join(tmp, f.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, transpiled(path.join(SRC, f), sources[i]!));
    });
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(dir)) throw err; // else another test file was quicker
    }
    for (const old of fs.readdirSync(CACHE).map((name) => path.join(CACHE, name))) {
      const age = Date.now() - (fs.statSync(old, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (old !== dir && age > STALE_MS) fs.rmSync(old, { recursive: true, force: true });
    }
  }
  compiled = dir;
  return dir;
}
