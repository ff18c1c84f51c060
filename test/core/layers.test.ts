// The layer order of src/, read from the imports of every file: a layer imports only layers below it,
// and no file imports itself through others (not even for types).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Layers, lowest first. Areas on one line are peers: they do not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['shared'],
  ['core'],
  ['pds', 'cache', 'emulator'],
  ['vfs'],
  ['webdav', 'fuse', 'control', 'shares'],
  // The composition root: src/app.ts and its options type, src/app-options.ts.
  ['app'],
  ['config'],
  ['cli'],
];

/** Whether a file of src/ may import another (paths relative to src/). */
function allowed(from: string, to: string, typeOnly: boolean): boolean {
  const [a, b] = [areaOf(from), areaOf(to)];
  if (a === b || rankOf(b) < rankOf(a)) return true;
  // The one import between peers: the local PDS server answers with the client's wire types.
  return a === 'emulator' && to === 'pds/wire-types.ts' && typeOnly;
}

interface Import {
  /** Relative to src/. */
  from: string;
  to: string;
  typeOnly: boolean;
  line: number;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The first folder under src/; the files at the top are the composition root. */
function areaOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 1 ? 'app' : parts[0]!;
}

function rankOf(area: string): number {
  return LAYERS.findIndex((layer) => layer.includes(area));
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly || (node.exportClause !== undefined && ts.isNamedExports(node.exportClause) && node.exportClause.elements.every((e) => e.isTypeOnly));
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs the module
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

/** Every relative import of a file: static, re-exports, dynamic import() and import types. */
function importsOf(file: string): Import[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const from = path.relative(SRC, file);
  const add = (spec: string, node: ts.Node, typeOnly: boolean) => {
    if (!spec.startsWith('.')) return;
    const to = path.relative(SRC, path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
    found.push({ from, to, typeOnly, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node, isTypeOnly(node));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text, node, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, node, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);
const show = (i: Import) => `${i.from}:${i.line} imports ${i.to}`;

test('every file of src/ belongs to a layer', () => {
  const unplaced = [...new Set(files.map((f) => areaOf(path.relative(SRC, f))))].filter((area) => rankOf(area) < 0);
  assert.deepEqual(unplaced, [], 'place these in LAYERS');
});

test('every import resolves to a file of src/', () => {
  assert.deepEqual(imports.filter((i) => !fs.existsSync(path.join(SRC, i.to))).map(show), []);
});

test('a layer imports only the layers below it', () => {
  assert.deepEqual(imports.filter((i) => !allowed(i.from, i.to, i.typeOnly)).map(show), []);
});

test('the rules catch an upward import, an import between peers and a cycle', () => {
  assert.equal(allowed('pds/http.ts', 'vfs/types.ts', true), false);
  assert.equal(allowed('core/errors.ts', 'shared/logger.ts', false), true);
  assert.equal(allowed('cache/blocks/block-cache.ts', 'pds/http.ts', false), false);
  assert.equal(allowed('control/server.ts', 'app.ts', true), false);
  assert.equal(allowed('emulator/server.ts', 'pds/wire-types.ts', true), true);
  assert.equal(allowed('emulator/server.ts', 'pds/wire-types.ts', false), false);
  assert.equal(allowed('emulator/server.ts', 'pds/http.ts', true), false);
  assert.deepEqual(cyclesOf(['a', 'b', 'c'], new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), [['a', 'b', 'c']]);
  assert.deepEqual(cyclesOf(['a', 'b'], new Map([['a', ['b']]])), []);
});

/** Files that import themselves through others (Tarjan's strongly connected components). */
function cyclesOf(nodes: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const n of nodes) if (!index.has(n)) connect(n);
  return cycles;
}

test('no import cycles between files, type-only imports included', () => {
  const edges = new Map<string, string[]>();
  for (const i of imports) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
  assert.deepEqual(cyclesOf(files.map((f) => path.relative(SRC, f)), edges), []);
});
