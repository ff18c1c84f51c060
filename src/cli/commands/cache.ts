// `pdsfs cache clear [--force]`: empties the block cache (downloaded file content). Through the
// control socket of each daemon running on the cache dir; with none running, directly on disk.
// Refused while uploads are pending unless --force; pending uploads themselves are never touched.
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { yargsOptionsFor } from '../../config/option-values.js';
import { controlRequest, runningDaemons } from '../../control/client.js';
import { formatBytes } from '../../control/format.js';

const clearCommand: CommandModule = {
  command: 'clear',
  describe: 'Empty the block cache (refused while uploads are pending, unless --force)',
  builder: (y) =>
    y.options({
      ...yargsOptionsFor('cache'),
      force: { type: 'boolean', default: false, describe: 'Clear even while uploads are pending (they are kept and still upload)' },
    }),
  handler: async (argv) => {
    const cacheDir = path.resolve(String(argv['cache-dir']));
    const force = argv.force === true;
    const daemons = await runningDaemons(cacheDir);
    if (daemons.length === 0) {
      // Loaded only here (it opens SQLite), so that --help and --version start fast.
      const { clearCacheOffline } = await import('../../control/offline-cache.js');
      const sources = await clearCacheOffline(cacheDir, { force });
      const freed = sources.reduce((n, s) => n + s.blockBytes, 0);
      process.stdout.write(`cleared ${formatBytes(freed)} of block cache in ${cacheDir} (${sources.length} data source${sources.length === 1 ? '' : 's'}, no daemon running)\n`);
      return;
    }
    const refusals: string[] = [];
    for (const d of daemons) {
      const answer = await controlRequest<{ freedBytes?: number; error?: string }>(d.socketPath, 'POST', '/cache/clear', { force });
      if (answer.status === 200) process.stdout.write(`cleared ${formatBytes(answer.body.freedBytes ?? 0)} of block cache of ${d.status.role} (pid ${d.status.pid})\n`);
      else refusals.push(`${d.status.role} (pid ${d.status.pid}): ${answer.body.error ?? `HTTP ${answer.status}`}`);
    }
    if (refusals.length > 0) throw new Error(`not cleared:\n${refusals.join('\n')}`);
  },
};

export const cacheCommand: CommandModule = {
  command: 'cache',
  describe: 'Manage the local cache',
  builder: (y: Argv) => y.command(clearCommand).demandCommand(1, 'Name a subcommand: clear.'),
  handler: () => undefined,
};
