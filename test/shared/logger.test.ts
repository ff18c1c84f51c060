// Logs: readable lines on a terminal, JSON elsewhere, the same redaction in both.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { recentLogEvents } from '../../src/control/log-events.js';
import { createLogger, type LogFormat, readableLogs } from '../../src/shared/logger.js';
import { pdsfsArgs } from '../helpers/cli.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-logger-'));
after(() => fsp.rm(work, { recursive: true, force: true }));

/** Waits (bounded) until the file has `lines` lines: file logging is asynchronous. */
async function linesOf(file: string, lines: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const found = text.split('\n').filter(Boolean);
    if (found.length >= lines) return found;
    await sleep(25);
  }
  assert.fail(`${file} never got ${lines} lines`);
}

test('auto is readable on a terminal only; a --log-file or an explicit format decides otherwise', () => {
  const cases: [LogFormat, string | undefined, boolean, boolean][] = [
    ['auto', undefined, true, true],
    ['auto', undefined, false, false],
    ['auto', '/tmp/x.log', true, false],
    ['json', undefined, true, false],
    ['pretty', undefined, false, true],
    ['pretty', '/tmp/x.log', false, true],
  ];
  for (const [format, file, terminal, readable] of cases) assert.equal(readableLogs(format, file, terminal), readable, `${format} ${file} ${terminal}`);
});

for (const format of ['pretty', 'json'] as const) {
  test(`${format}: tokens, passwords and signatures are redacted; warnings are recorded for the status page`, async () => {
    const file = path.join(work, `${format}.log`);
    const logger = createLogger({ format, file });
    const recorded = recentLogEvents(logger);
    logger.info({ access_token: 'TOKEN-1', password: 'PASS-2', url: 'https://oss.example/b?Signature=SIG-3&x=1' }, 'fetched');
    logger.warn({ refreshToken: 'TOKEN-4' }, 'renewal failed');
    const lines = await linesOf(file, 2);
    const text = lines.join('\n');
    for (const secret of ['TOKEN-1', 'PASS-2', 'SIG-3', 'TOKEN-4']) assert.ok(!text.includes(secret), `${secret} leaked:\n${text}`);
    assert.ok(text.includes('[redacted]'));
    if (format === 'json') {
      assert.equal(JSON.parse(lines[0]!).msg, 'fetched');
    } else {
      assert.match(lines[0]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: fetched \{/);
      assert.match(lines[1]!, /WARN: renewal failed/);
    }
    assert.deepEqual(recorded.list().map((e) => [e.level, e.msg]), [['warn', 'renewal failed']]);
  });
}

/** The first log line `pdsfs emulator` writes on a pseudo-terminal (util-linux `script`). */
async function firstLogLineOnTerminal(extra: string[]): Promise<string> {
  const args = pdsfsArgs('emulator', '--port', '0', '--data-dir', path.join(work, `data-${extra.length}`), ...extra);
  const command = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split(/\r?\n/).find((l) => l.includes('local PDS server listening'));
        if (line) resolve(line);
      });
      child.once('exit', (code) => reject(new Error(`exited (${code}) before logging:\n${out}`)));
    });
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
  }
}

test('on a terminal the log is readable lines, and JSON with --log-format json', { skip: fs.existsSync('/usr/bin/script') ? false : 'needs script (util-linux) for a pseudo-terminal', timeout: 120_000 }, async () => {
  const readable = await firstLogLineOnTerminal([]);
  assert.match(readable, /INFO.*local PDS server listening/);
  assert.ok(!readable.includes('"level"'), readable);
  const json = await firstLogLineOnTerminal(['--log-format', 'json']);
  assert.equal(JSON.parse(json.slice(json.indexOf('{'))).msg, 'local PDS server listening');
});
