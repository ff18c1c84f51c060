// The minimal cache loop (bench/lib.ts) in a process of its own, started afresh as each pdsfs phase
// of bench/vfs-pdsfs.ts is, so the two compare under the same conditions. Reads its task from
// BENCH_TASK (JSON: the server's endpoint, token and drive, and the file), prints one JSON line.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { minimalCacheLoop, type ServerAccess } from './lib.js';

const task = JSON.parse(process.env.BENCH_TASK ?? '') as ServerAccess & { fileId: string };
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-bench-loop-'));
try {
  console.log(JSON.stringify(await minimalCacheLoop(task, task.fileId, dir)));
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
