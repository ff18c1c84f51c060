// `node test/loader/compile-tree.mjs`: prints a folder that stands for the repository with src/ and
// test/ compiled to JavaScript, so that `npm test` runs its files without module hooks. Node 20 runs
// `module.register` hooks on a thread of their own and every import (node_modules included) crosses
// to it: about 0.3 CPU-s per test process. The folder mirrors the repository: each .ts file of src/
// and test/ becomes its transpilation (the loader's, test/loader/transpile-hooks.mjs) beside a link
// to the source; everything else is a link. So the tests find the bin, the sources and their fixtures
// relative to themselves as they do from test/. Made once per content (aside, then renamed into place).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transpiled } from './transpile-hooks.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = path.join(REPO, 'node_modules', '.cache', 'pdsfs-test-tree');
const COMPILED = ['src', 'test'];
const STALE_MS = 3600_000;

const files = COMPILED.flatMap((top) => (fs.readdirSync(path.join(REPO, top), { recursive: true }).map((f) => path.join(top, f))))
  .filter((f) => fs.statSync(path.join(REPO, f)).isFile())
  .sort();
const hash = createHash('sha256').update(fs.readFileSync(new URL(import.meta.url))).update(fs.readFileSync(new URL('./transpile-hooks.mjs', import.meta.url)));
const sources = files.map((f) => fs.readFileSync(path.join(REPO, f)));
files.forEach((f, i) => hash.update(`\0${f}\0`).update(sources[i]));
const dir = path.join(CACHE, hash.digest('hex').slice(0, 16));

if (!fs.existsSync(dir)) {
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const entry of fs.readdirSync(REPO)) {
    if (!COMPILED.includes(entry)) fs.symlinkSync(path.join(REPO, entry), path.join(tmp, entry));
  }
  files.forEach((f, i) => {
    const target = path.join(tmp, f);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(path.join(REPO, f), target);
    if (f.endsWith('.ts') && !f.endsWith('.d.ts')) fs.writeFileSync(target.replace(/\.ts$/, '.js'), transpiled(path.join(REPO, f), sources[i].toString('utf8')));
  });
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw err; // else another run was quicker
  }
  for (const old of fs.readdirSync(CACHE).map((name) => path.join(CACHE, name))) {
    const age = Date.now() - (fs.lstatSync(old, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (old !== dir && age > STALE_MS) fs.rmSync(old, { recursive: true, force: true });
  }
}
process.stdout.write(`${dir}\n`);
