// The main thread's CPU per page of a listing, answers parsed on the main thread against the answer
// worker (src/pds/answer-worker.ts), alternating in one process against a local server of its own
// (a child process): `npm run build --silent && node --import tsx bench/list-main-cpu.ts`. CPU
// from /proc (schedstat of the main thread) and process.cpuUsage (all threads): counts, not times.
// BENCH_LIST_ENTRIES (10,000) in one folder, listed BENCH_LIST_ROUNDS (6) times per mode.
import fs from 'node:fs';
import { bulkFolder } from '../test/helpers/bulk-entries.js';
import { printTable, startBenchEmulator } from './lib.js';

// The built modules (as bin/pdsfs runs them): from src, the worker would boot tsx's loader.
const { DriveRemote } = (await import('../dist/pds/drive-remote.js' as string)) as typeof import('../src/pds/drive-remote.js');
const { connectPds } = (await import('../dist/pds/connect.js' as string)) as typeof import('../src/pds/connect.js');

const ENTRIES = Number(process.env.BENCH_LIST_ENTRIES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_LIST_ROUNDS ?? 6);

/** ns on a CPU of the main thread, and of every thread of the process. */
function cpuNs(): { main: number; all: number } {
  const main = Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  const u = process.cpuUsage();
  return { main, all: (u.user + u.system) * 1000 };
}

const emu = await startBenchEmulator();
try {
  const { folderId } = bulkFolder(emu.dataDir, emu.driveId, 'list', ENTRIES);
  const per: Record<string, { main: number[]; all: number[] }> = { main: { main: [], all: [] }, worker: { main: [], all: [] } };
  // One client per mode for all rounds: the first round is the cold one (a new worker's code not
  // compiled yet), the median the steady state.
  const clients = {
    main: connectPds({ endpoint: emu.endpoint, accessToken: emu.token, answerWorker: false }),
    worker: connectPds({ endpoint: emu.endpoint, accessToken: emu.token, answerWorker: { idleMs: 600_000 } }),
  };
  const startCpu = cpuNs();
  await clients.worker.http.answerWorker!.started();
  const workerStartMs = (cpuNs().all - startCpu.all) / 1e6;
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['main', 'worker'] as const) {
      const client = clients[mode];
      const remote = new DriveRemote(client, emu.driveId);
      const before = cpuNs();
      let pages = 0;
      for await (const page of remote.listPages(folderId)) pages += page.length > 0 ? 1 : 0;
      const after = cpuNs();
      per[mode]!.main.push((after.main - before.main) / pages / 1e6);
      per[mode]!.all.push((after.all - before.all) / pages / 1e6);
    }
  }
  for (const c of Object.values(clients)) c.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows = (['main', 'worker'] as const).flatMap((m) => [
    { metric: `${m}: main thread CPU per page, first round / median of ${ROUNDS}`, value: Number(median(per[m]!.main).toFixed(3)), unit: 'ms', reference: Number(per[m]!.main[0]!.toFixed(3)) },
    { metric: `${m}: process CPU per page, first round / median`, value: Number(median(per[m]!.all).toFixed(3)), unit: 'ms', reference: Number(per[m]!.all[0]!.toFixed(3)) },
  ]);
  rows.push({ metric: 'process CPU of starting the worker', value: Number(workerStartMs.toFixed(1)), unit: 'ms', reference: 0 });
  printTable(`file/list pages of 100 from a folder of ${ENTRIES}`, rows);
  console.log(JSON.stringify(per));
} finally {
  await emu.close();
}
