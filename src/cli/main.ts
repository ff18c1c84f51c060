// pdsfs command line: the program (program.ts) over this process's arguments.
import { hideBin } from 'yargs/helpers';
import { pdsfsProgram } from './program.js';

await pdsfsProgram(hideBin(process.argv)).parseAsync();
