// Module hooks for test/loader/register.mjs: a relative `./x.js` imported from TypeScript resolves to
// `./x.ts` when that exists (as tsc's NodeNext resolution does), and `.ts` files load as their
// TypeScript transpilation (transpileModule: types dropped, no type check; `npm test` runs tsc beside
// the tests). Transpiled files are kept by content hash under node_modules/.cache, so a file is
// transpiled once, not once per process; TypeScript itself is loaded only on a miss.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = fileURLToPath(new URL('../../node_modules/.cache/pdsfs-test-ts/', import.meta.url));
const HOOKS = fs.readFileSync(new URL(import.meta.url)); // how files are transpiled is part of the key

/** @type {typeof import('typescript') | undefined} */
let ts;

export async function resolve(specifier, context, nextResolve) {
  if (context.parentURL?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const url = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (fs.existsSync(url)) return { url: url.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = fs.readFileSync(file, 'utf8');
  return { format: 'module', source: transpiled(file, source), shortCircuit: true };
}

/** The file's JavaScript, from the cache or made now (and cached, written aside and renamed into place). */
export function transpiled(file, source) {
  const cached = path.join(CACHE, `${createHash('sha256').update(HOOKS).update('\0').update(file).update('\0').update(source).digest('hex').slice(0, 32)}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    ts ??= createRequire(import.meta.url)('typescript');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true, inlineSourceMap: true, inlineSources: false },
    });
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, outputText);
    fs.renameSync(tmp, cached);
    return outputText;
  }
}
