// The status and cache commands as the pdsfs CLI runs them (src/cli/main.ts registers them the same
// way), for tests in child processes.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cacheCommand } from '../../src/cli/commands/cache.js';
import { statusCommand } from '../../src/cli/commands/status.js';

await yargs(hideBin(process.argv))
  .scriptName('pdsfs')
  .env('PDSFS')
  .command(statusCommand)
  .command(cacheCommand)
  .showHelpOnFail(false)
  .demandCommand(1)
  .strict()
  .parseAsync();
