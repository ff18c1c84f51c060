// The installed command starts Node with a small young generation (bin/pdsfs's first line): a burst
// of allocation that outlives scavenges, which grows V8's default young generation to 32 MiB, leaves
// it at 4 MiB at most. The probe is preloaded through NODE_OPTIONS and exits before pdsfs runs.
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
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-young-gen-'));
after(() => fsp.rm(work, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const BIN = path.join(REPO, 'bin', 'pdsfs');

// Objects live across a few turns of the event loop, as a request's do while it waits on I/O.
const PROBE = `
import v8 from 'node:v8';
const capacity = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let largest = capacity();
for (let round = 0; round < 200; round++) {
  await Promise.all(Array.from({ length: 500 }, async (_, i) => {
    const o = { i, name: 'entry-' + i, attrs: new Array(20).fill(round) };
    await new Promise((r) => setImmediate(r));
    return o;
  }));
  largest = Math.max(largest, capacity());
}
process.stdout.write(String(largest));
process.exit(0);
`;

async function largestYoungGeneration(command: string, args: string[]): Promise<number> {
  const probe = path.join(work, 'probe.mjs');
  fs.writeFileSync(probe, PROBE);
  const { stdout } = await run(command, [...args, '--version'], { env: { ...process.env, NODE_OPTIONS: `--import ${probe}` } });
  return Number(stdout);
}

test('pdsfs runs with a young generation of at most 4 MiB; plain node grows its own past that', async () => {
  const installed = await largestYoungGeneration(BIN, []);
  assert.ok(installed > 0 && installed <= 4 * MiB, `young generation of the pdsfs command: ${installed} bytes`);
  // The same allocation without the flag: the probe does grow a default young generation.
  const plain = await largestYoungGeneration(process.execPath, [BIN]);
  assert.ok(plain > 4 * MiB, `young generation of node bin/pdsfs: ${plain} bytes`);
});
