// `node test/loader/shared-processes.mjs TREE SIZE FILE.test.ts…`: lets test files share a process, so
// that each process's start and module loading (about 0.5 CPU-s for a file importing the app) is paid
// once for several files. The files of each folder, in the order given, are cut into groups of at most
// SIZE; each group gets an entry file in TREE (test/loader/compile-tree.mjs's tree) that imports its
// files one after another, each inside a suite named after it, so that a file's tests and top-level
// hooks stay its own (`before`, `after`, `beforeEach` register on that suite) and its tests run alone
// as they did in their own process. Prints the entry files, one per line.
import fs from 'node:fs';
import path from 'node:path';

const [tree, size, ...files] = process.argv.slice(2);
const perGroup = Number(size);
if (!tree || !(perGroup > 0)) throw new Error('usage: shared-processes.mjs TREE SIZE FILE.test.ts…');

const byFolder = new Map();
for (const file of files) byFolder.set(path.dirname(file), [...(byFolder.get(path.dirname(file)) ?? []), file]);

const entries = [];
for (const [folder, inFolder] of byFolder) {
  // Groups of nearly equal size: 9 files at 8 a group make 5 and 4, not 8 and 1.
  const groups = Math.ceil(inFolder.length / perGroup);
  for (let g = 0; g < groups; g++) {
    const group = inFolder.slice(Math.round((g * inFolder.length) / groups), Math.round(((g + 1) * inFolder.length) / groups));
    const entry = path.join(tree, folder, `shared-process-${g + 1}.test.js`);
    const source = [
      '// Test files sharing one process (test/loader/shared-processes.mjs), each as a suite of its own.',
      "import { describe } from 'node:test';",
      ...group.map((f) => `describe(${JSON.stringify(f)}, async () => { await import(${JSON.stringify(`./${path.basename(f, '.ts')}.js`)}); });`),
      '',
    ].join('\n');
    if (fs.readFileSync(entry, { encoding: 'utf8', flag: 'a+' }) !== source) {
      fs.writeFileSync(`${entry}.${process.pid}.tmp`, source);
      fs.renameSync(`${entry}.${process.pid}.tmp`, entry);
    }
    entries.push(entry);
  }
}
process.stdout.write(entries.map((e) => `${e}\n`).join(''));
