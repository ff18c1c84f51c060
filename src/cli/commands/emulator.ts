// `pdsfs emulator`: filled in by the local PDS server work.
import type { CommandModule } from 'yargs';

export const emulatorCommand: CommandModule = {
  command: 'emulator',
  describe: 'Run the local PDS server',
  handler: () => {
    throw new Error('not yet');
  },
};
