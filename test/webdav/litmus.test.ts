// litmus 0.13 (Debian package), all suites, against the served app with Basic auth. Every test must
// pass; KNOWN_FAILURES (empty unless the README lists an entry with its reason) are the exceptions.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PASSWORD, serve, type Served, USER } from './harness.js';

const LITMUS = '/usr/bin/litmus';
const SUITES = ['basic', 'copymove', 'props', 'locks', 'http'];
const KNOWN_FAILURES: ReadonlySet<string> = new Set();

let served: Served;
let workDir: string;

before(async () => {
  served = await serve();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-litmus-'));
});
after(async () => {
  await served?.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

interface SuiteResult {
  passed: number;
  failed: number;
  failures: string[];
  warnings: string[];
  output: string;
}

function runSuite(suite: string): Promise<SuiteResult> {
  return new Promise((resolve, reject) => {
    execFile(
      LITMUS,
      [served.driveUrl, USER, PASSWORD],
      { cwd: workDir, env: { ...process.env, TESTS: suite }, timeout: 120_000 },
      (err, stdout) => {
        const summary = /of (\d+) tests run: (\d+) passed, (\d+) failed/.exec(stdout);
        if (!summary) return reject(new Error(`litmus ${suite} gave no summary: ${String(err)}\n${stdout}`));
        const failures = [...stdout.matchAll(/^\s*\d+\.\s+(\w+)\.*\s*FAIL/gm)].map((m) => `${suite}/${m[1]}`);
        const warnings = [...stdout.matchAll(/WARNING: (.*)/g)].map((m) => m[1]!);
        resolve({ passed: Number(summary[2]), failed: Number(summary[3]), failures, warnings, output: stdout });
      },
    );
  });
}

for (const suite of SUITES) {
  test(`litmus ${suite}`, { skip: fs.existsSync(LITMUS) ? false : 'litmus is not installed' }, async (t) => {
    const result = await runSuite(suite);
    t.diagnostic(`litmus ${suite}: ${result.passed} of ${result.passed + result.failed} passed`);
    const unexpected = result.failures.filter((f) => !KNOWN_FAILURES.has(f));
    assert.deepEqual(unexpected, [], result.output);
    assert.ok(result.passed > 0, result.output);
    assert.equal(result.failed, result.failures.length, result.output);
    assert.deepEqual(result.warnings, [], result.output);
  });
}
