// The POSIX case table (posix-cases.ts) as root, other users through setpriv: first on a local folder,
// where every case must pass (it checks the table), then on a mount with POSIX attributes, whose
// failures must be exactly the known ones below. Prints the pass rate per group (README figures).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { bashScript } from '../helpers/bash.js';
import { REPO } from '../helpers/cli.js';
import { type FuseFixture, startFixture } from './fixture.js';
import { fuseUnavailable, tempDir } from './harness.js';
import { ERRNO_TEXT, POSIX_CASES, PRELUDE, type PosixCase } from './posix-cases.js';

const run = promisify(execFile);

/**
 * The local pass checks the table, not pdsfs (~12 CPU-s): once it passed, a stamp named after the
 * table and this file is kept, and the pass runs again when either changes (always on a fresh
 * checkout, as in `.ci/run`).
 */
const TABLE_STAMP = path.join(
  REPO,
  'node_modules',
  '.cache',
  'pdsfs-posix-table',
  createHash('sha256')
    .update(fs.readFileSync(new URL('./posix-cases.ts', import.meta.url)))
    .update(fs.readFileSync(new URL('./posix-conformance.test.ts', import.meta.url))) // by name: npm test runs it compiled
    .digest('hex')
    .slice(0, 16),
);

/** Cases the mount fails on purpose, with the reason (README, "POSIX conformance"). */
const KNOWN_FAILURES: Readonly<Record<string, string>> = {
  'link: makes a second name for the content': 'hard links are refused with EPERM',
  'link: a write through one name shows through the other': 'hard links are refused with EPERM',
};

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the POSIX table needs root (it switches users with setpriv)';
  return fuseUnavailable();
}

interface Outcome {
  pass: boolean;
  detail: string;
}

/** Runs one case in a fresh folder under root (never with the mount as cwd: see harness.ts). */
async function runCase(root: string, n: number, c: PosixCase): Promise<Outcome> {
  const dir = path.join(root, `case-${n}`);
  const script = `${PRELUDE}\nmkdir -m 0777 ${JSON.stringify(dir)} && cd ${JSON.stringify(dir)} || exit 99\n${c.script}`;
  let code = 0;
  let stderr = '';
  try {
    ({ stderr } = await run('bash', bashScript(script), { timeout: 60_000 }));
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    code = typeof e.code === 'number' ? e.code : -1;
    stderr = e.stderr ?? String(err);
  }
  if (c.expect === 'ok') return { pass: code === 0, detail: `exit ${code} ${stderr.trim()}` };
  const pass = code !== 0 && stderr.includes(ERRNO_TEXT[c.expect]);
  return { pass, detail: `expected ${c.expect}; exit ${code} ${stderr.trim()}` };
}

async function runTable(root: string): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  let n = 0;
  for (const c of POSIX_CASES) out.set(`${c.group}: ${c.name}`, await runCase(root, n++, c));
  return out;
}

function failures(results: Map<string, Outcome>): Record<string, string> {
  return Object.fromEntries([...results].filter(([, o]) => !o.pass).map(([k, o]) => [k, o.detail]));
}

function rates(results: Map<string, Outcome>): string {
  const groups = new Map<string, { pass: number; all: number }>();
  for (const c of POSIX_CASES) {
    const g = groups.get(c.group) ?? { pass: 0, all: 0 };
    g.all++;
    if (results.get(`${c.group}: ${c.name}`)!.pass) g.pass++;
    groups.set(c.group, g);
  }
  const total = [...groups.values()].reduce((a, g) => ({ pass: a.pass + g.pass, all: a.all + g.all }), { pass: 0, all: 0 });
  const rows = [...groups].map(([name, g]) => `| ${name} | ${g.pass}/${g.all} | ${((100 * g.pass) / g.all).toFixed(0)}% |`);
  return [...rows, `| all | ${total.pass}/${total.all} | ${((100 * total.pass) / total.all).toFixed(1)}% |`].join('\n');
}

describe('POSIX case table', { skip: unavailable() }, () => {
  let fx: FuseFixture;
  before(async () => {
    // Uploads after the default delay, as users have it (not at once, as other FUSE tests do).
    fx = await startFixture(['--allow-other', '--write-back', '2']);
  });
  after(() => fx?.close());

  const tableChecked = fs.existsSync(TABLE_STAMP) ? `this table passed on a local folder before (${TABLE_STAMP})` : undefined;
  test('every case passes on a local folder (the table is right)', { skip: tableChecked }, async () => {
    const local = await tempDir('posix-local');
    await run('chmod', ['0755', local]);
    const results = await runTable(local);
    assert.deepEqual(failures(results), {});
    await run('rm', ['-rf', local]);
    fs.mkdirSync(path.dirname(TABLE_STAMP), { recursive: true });
    fs.writeFileSync(TABLE_STAMP, `${new Date().toISOString()}\n`);
  });

  test('on the mount, only the known cases fail', async () => {
    const results = await runTable(fx.mnt);
    console.log(`POSIX cases on the mount:\n| group | passed | rate |\n|---|---|---|\n${rates(results)}`);
    const failed = failures(results);
    assert.deepEqual(Object.keys(failed).sort(), Object.keys(KNOWN_FAILURES).sort(), JSON.stringify(failed, null, 1));
  });
});
