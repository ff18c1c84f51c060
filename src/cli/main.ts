// pdsfs command line: one yargs program, one file per subcommand under commands/.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { emulatorCommand } from './commands/emulator.js';
import { mountCommand } from './commands/mount.js';
import { serveCommand } from './commands/serve.js';
import { unmountCommand } from './commands/unmount.js';

await yargs(hideBin(process.argv))
  .scriptName('pdsfs')
  .env('PDSFS')
  .command(serveCommand)
  .command(mountCommand)
  .command(unmountCommand)
  .command(emulatorCommand)
  .demandCommand(1, 'Name a command: pdsfs <command> --help shows its options.')
  .strict()
  .help()
  .parseAsync();
