// The minimal cache loop (bench/lib.ts) in a process of its own, started afresh as each pdsfs phase
// of bench/vfs-pdsfs.ts is, with the same node flags and V8 settings, so the two compare under the
// same conditions. Reads its task from
// BENCH_TASK (JSON: the server's endpoint, token and drive, and the file), prints one JSON line.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startOptimizing } from '../src/cli/compilers.js';
import { collectAsDaemon } from '../src/cli/heap-growth.js';
import { minimalCacheLoop, type ServerAccess } from './lib.js';

const task = JSON.parse(process.env.BENCH_TASK ?? '') as ServerAccess & { fileId: string };
// V8 as in a daemon's process, as bench/vfs-pdsfs.ts sets it for pdsfs, with the loop's bytes.
const fetched = { bytes: 0 };
collectAsDaemon(() => fetched.bytes);
startOptimizing();
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-loop-'));
try {
  console.log(JSON.stringify(await minimalCacheLoop(task, task.fileId, dir, fetched)));
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
