// `pdsfs status [--json]`: what the serve and mount processes running on a cache dir are doing
// (volumes, cache, uploads with progress, last errors), asked over their control sockets.
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { yargsOptionsFor } from '../../config/option-values.js';
import { runningDaemons } from '../../control/client.js';
import { formatStatus } from '../../control/format.js';
import { controlSocketDir } from '../../control/socket-path.js';

export const statusCommand: CommandModule = {
  command: 'status',
  describe: 'Show what a running serve or mount is doing: volumes, cache, uploads, last errors',
  builder: (y) =>
    y.options({
      ...yargsOptionsFor('status'),
      json: { type: 'boolean', default: false, describe: 'Print one JSON object: {"daemons": [{socket, status}]}' },
    }),
  handler: async (argv) => {
    const cacheDir = path.resolve(String(argv['cache-dir']));
    const daemons = await runningDaemons(cacheDir);
    if (argv.json) {
      process.stdout.write(`${JSON.stringify({ daemons: daemons.map((d) => ({ socket: d.socketPath, status: d.status })) })}\n`);
    } else if (daemons.length > 0) {
      process.stdout.write(`${daemons.map((d) => formatStatus(d.status)).join('\n\n')}\n`);
    }
    if (daemons.length === 0) {
      process.stderr.write(`pdsfs: no serve or mount is running on cache dir ${cacheDir} (no live socket in ${controlSocketDir(cacheDir)})\n`);
      process.exitCode = 1;
    }
  },
};
