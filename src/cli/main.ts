// pdsfs command line: one yargs program, one file per subcommand under commands/.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { emulatorCommand } from './commands/emulator.js';

await yargs(hideBin(process.argv))
  .scriptName('pdsfs')
  .env('PDSFS')
  .command(emulatorCommand)
  .demandCommand(1, 'Name a command: pdsfs <command> --help shows its options.')
  .strict()
  .help()
  .parseAsync();
