// What `npm install -g pdsfs-<version>.tgz` gives a user: `npm pack` builds the package (prepare),
// it ships the compiled dist/ and no sources or tests, and the installed command runs from an empty
// prefix with only the runtime dependencies (no tsx, no TypeScript).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO } from '../helpers/cli.js';

const run = promisify(execFile);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-package-'));
after(() => fsp.rm(work, { recursive: true, force: true }));

// npm's own settings of an enclosing `npm test` (prefix, script shell, …) must not leak into these runs.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
// The repository itself, also when npm test runs this file from its compiled tree of links (test/loader/compile-tree.mjs): npm packs no links.
const repo = path.dirname(fs.realpathSync(path.join(REPO, 'package.json')));
const { version } = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };

test('npm pack, install the tarball into an empty prefix, run pdsfs --help', { timeout: 600_000 }, async () => {
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, env, maxBuffer: 64 * 1024 * 1024 });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  assert.ok(files.includes('bin/pdsfs') && files.includes('dist/cli/main.js') && files.includes('dist/app.js'), 'the compiled program is in the package');
  assert.deepEqual(files.filter((f) => /^(src|test|bench)\//.test(f) || f.endsWith('.ts') || f.endsWith('.tsbuildinfo')), [], 'no sources, tests or build state');

  // Dependencies come from npm's cache when it has them; native add-ons are not built (--help needs none).
  const prefix = path.join(work, 'prefix');
  await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', path.join(work, info!.filename)], { env, maxBuffer: 64 * 1024 * 1024 });
  const installed = path.join(prefix, 'lib', 'node_modules', 'pdsfs');
  assert.ok(fs.existsSync(path.join(installed, 'dist', 'cli', 'main.js')));
  for (const devOnly of ['tsx', 'esbuild', 'typescript']) {
    assert.ok(!fs.existsSync(path.join(installed, 'node_modules', devOnly)), `${devOnly} is not installed for users`);
  }

  const bin = path.join(prefix, 'bin', 'pdsfs');
  const help = await run(bin, ['--help'], { env: { PATH: process.env.PATH ?? '', HOME: work } });
  for (const command of ['serve', 'mount', 'share', 'emulator']) assert.match(help.stdout, new RegExp(`pdsfs ${command}`), `--help lists ${command}`);
  const shown = await run(bin, ['--version'], { env: { PATH: process.env.PATH ?? '', HOME: work } });
  assert.equal(shown.stdout.trim(), version);

  // npm pack built dist/ (prepare): the compiled program starts the embedded local server in its
  // worker thread without tsx (this repository's native add-ons are built, unlike the install above).
  const listed = await run(process.execPath, [path.join(repo, 'bin', 'pdsfs'), 'share', 'list', '--data-dir', path.join(work, 'data')], { env: { PATH: process.env.PATH ?? '', HOME: work } });
  assert.match(listed.stdout, /no share links/i);
});
