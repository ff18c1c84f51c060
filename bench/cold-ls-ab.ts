// Cold `ls -lR` of bench/tree.ts's tree on a NEW cache folder (every listing from the embedded server
// again), builds alternating in one window of load, rclone mount's cold `ls -lR` in the same rounds.
// Per walk: seconds, the mount's CPU seconds by thread (main, the embedded server's, the rest: V8's
// helpers, libuv's pool, libfuse's), how long main waited for a CPU, remote listings, the FUSE
// requests that reached JS and the size of the metadata cache's WAL after the walk.
// COLD_AB=a,b names the variants, COLD_AB_DIST_a a compiled build (a copy of dist/ inside the
// repository, default dist/); COLD_AB_ROUNDS (5) rounds; COLD_AB_KEPT=1 walks each variant again
// after a restart on the cache its first walk filled. The tree is made once into one data folder
// (COLD_AB_WORK keeps it between runs), which every variant mounts in turn. COLD_AB_NODE_ARGS adds
// Node flags to every mount (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: one profile per thread).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runningDaemons } from '../src/control/client.js';
import { MOUNTED_MESSAGE } from '../src/fuse/mount.js';
import { EMBEDDED_THREAD_NAME } from '../src/emulator/embedded.js';
import { writeResults } from './lib.js';
import { makeTree, MountChild, rcloneTarget, sh, timed } from './tree.js';

const rounds = Number(process.env.COLD_AB_ROUNDS ?? 5);
const kept = process.env.COLD_AB_KEPT === '1';
const variants = (process.env.COLD_AB ?? 'cur').split(',');
const repo = path.resolve(import.meta.dirname, '..');
const BIN_NODE_FLAGS = ['--max-semi-space-size=2', '--no-sparkplug', '--no-turbofan', ...(process.env.COLD_AB_NODE_ARGS ?? '').split(' ').filter(Boolean)];

/** CPU seconds of pid's threads: all, main, the embedded server's and the others; and the seconds main waited for a CPU. */
async function threadCpu(pid: number): Promise<Record<string, number>> {
  const out: Record<string, number> = { all: 0, main: 0, mainWaited: 0, server: 0, other: 0 };
  for (const tid of await fs.readdir(`/proc/${pid}/task`).catch(() => [])) {
    const comm = (await fs.readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8').catch(() => '')).trim();
    const [ran, waited] = (await fs.readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '0 0')).split(' ').map((n) => Number(n) / 1e9) as [number, number];
    // Node names its own threads "node": V8's helpers, libuv's pool and libfuse's threads fall in "other".
    const group = Number(tid) === pid ? 'main' : comm === EMBEDDED_THREAD_NAME ? 'server' : 'other';
    out[group]! += ran;
    out.all! += ran;
    if (group === 'main') out.mainWaited = waited;
  }
  return out;
}

async function main(): Promise<void> {
  const work = process.env.COLD_AB_WORK ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'pdsfs-cold-ab-')));
  const tree = path.join(work, 'tree');
  const data = path.join(work, 'data');
  const mnt = path.join(work, 'mnt');
  let caches = 0;
  const walks: object[] = [];
  const mount = async (variant: string, cacheDir = path.join(work, `cache-${process.pid}-${caches++}`)) => {
    const main = path.resolve(repo, process.env[`COLD_AB_DIST_${variant}`] ?? 'dist', 'cli', 'main.js');
    const child = spawn(process.execPath, [...BIN_NODE_FLAGS, main, 'mount', mnt, '--data-dir', data, '--cache-dir', cacheDir, '--log-level', 'warn'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MALLOC_ARENA_MAX: '2' } });
    const m = new MountChild(child);
    await m.waitFor((o) => o.includes(MOUNTED_MESSAGE), 'pdsfs mount');
    const drive = (await fs.readdir(path.join(mnt, 'drives'))).sort()[0]!;
    const status = async () => (await runningDaemons(cacheDir))[0]!.status;
    return { m, cacheDir, dir: path.join(mnt, 'drives', drive, 'tree'), status };
  };
  if (!existsSync(tree)) {
    await makeTree(tree);
    const { m, dir, status } = await mount(variants[0]!);
    await sh(`rsync -a '${tree}/' '${dir}/'`);
    while ((await status()).uploads.pendingFiles > 0) await new Promise((r) => setTimeout(r, 100));
    await m.stop(mnt);
  }
  const walk = async (round: number, label: string, cacheDir: string, variant = label) => {
    const { m, dir, status } = await mount(variant, cacheDir);
    const pid = m.child.pid!;
    const before = await threadCpu(pid);
    const s0 = await status();
    const seconds = await timed(() => sh(`ls -lR '${dir}' > /dev/null`));
    const after = await threadCpu(pid);
    const s1 = await status();
    const cpu = Object.fromEntries(Object.keys(after).map((k) => [k, Math.round((after[k]! - before[k]!) * 1000) / 1000]));
    const js = Object.fromEntries(Object.entries(s1.fuse!.byJs).map(([op, n]) => [op, n - (s0.fuse!.byJs[op] ?? 0)]).filter(([, n]) => n !== 0));
    const volumeDir = (await fs.readdir(cacheDir)).find((d) => d !== 'control')!;
    const walBytes = (await fs.stat(path.join(cacheDir, volumeDir, 'metadata.sqlite-wal')).catch(() => ({ size: NaN }))).size;
    walks.push({ round, variant: label, seconds, cpu, listCalls: s1.listCalls - s0.listCalls, js, walKiB: Math.round(walBytes / 1024), load: os.loadavg()[0] });
    console.log(JSON.stringify(walks[walks.length - 1]));
    await m.stop(mnt);
  };
  const rclone = await rcloneTarget(work, tree);
  if (typeof rclone !== 'string') {
    await sh(`rsync -a '${tree}/' '${rclone.dir}/tree/'`);
    await rclone.uploaded();
  }
  for (let r = 0; r < rounds; r++) {
    if (typeof rclone !== 'string') {
      await rclone.cold();
      const c0 = (await rclone.cpuSeconds()) ?? NaN;
      const seconds = await timed(() => sh(`ls -lR '${rclone.dir}/tree' > /dev/null`));
      walks.push({ round: r, variant: 'rclone', seconds, cpu: ((await rclone.cpuSeconds()) ?? NaN) - c0, load: os.loadavg()[0] });
      console.log(JSON.stringify(walks[walks.length - 1]));
    }
    for (const v of variants) {
      const cacheDir = path.join(work, `cache-${process.pid}-${caches++}`);
      await walk(r, v, cacheDir);
      // The same walk after a restart on the cache the first one filled (SQLite warm, process cold).
      if (kept) await walk(r, `${v}, kept cache`, cacheDir, v);
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
  }
  if (typeof rclone !== 'string') await rclone.stop();
  else console.log(`rclone mount skipped: ${rclone}`);
  console.log('results:', await writeResults('cold-ls-ab', { rounds, variants, kept, walks }));
}

await main();
