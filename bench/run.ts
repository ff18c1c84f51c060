// `npm run bench`: runs each benchmark in its own process (so peak RSS is per front-end) and
// leaves JSON results under bench/results/. BENCH_ONLY=vfs,webdav limits the set. BENCH_NET=wan runs
// the benchmark under a WAN-like network profile instead (bench/net.ts). The benchmarks run the
// compiled command (bin/pdsfs → dist/), as users do; `npm run bench` builds it first.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const all = process.env.BENCH_NET === 'wan' ? ['net'] : ['startup', 'vfs', 'webdav', 'webdav-requests', 'fuse', 'tree', 'floor', 'listing', 'emulator-upload'];
const only = process.env.BENCH_ONLY?.split(',') ?? all;
let failed = 0;
for (const name of only) {
  // `floor` is bench/fuse-floor.ts (the floor of a JS FUSE filesystem, beside bench/tree.ts's tools).
  const file = path.join(import.meta.dirname, `${name === 'floor' ? 'fuse-floor' : name}.ts`);
  if (!fs.existsSync(file)) continue;
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
