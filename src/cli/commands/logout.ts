// `pdsfs logout`: forgets the stored account (endpoint, tokens, client id and secret, JWT section,
// and the token store);
// other settings in the config file stay.
import fs from 'node:fs';
import type { CommandModule } from 'yargs';
import { updateConfigFile } from '../../config/config-file.js';
import { hasCredentials, withoutCredentials } from '../../config/credentials.js';
import { configFileOf } from '../../config/load-config.js';
import { tokenStoreFile } from '../../config/token-store.js';

export const logoutCommand: CommandModule = {
  command: 'logout',
  describe: 'Remove the stored credentials from the config file',
  handler: async (argv) => {
    const file = configFileOf(argv);
    let removed = false;
    await updateConfigFile(file, (current) => {
      removed = hasCredentials(current);
      return removed ? withoutCredentials(current) : undefined;
    });
    // The login's token pair goes with it.
    fs.rmSync(tokenStoreFile(file), { force: true });
    process.stdout.write(removed ? `Credentials removed from ${file}.\n` : `No credentials stored in ${file}.\n`);
  },
};
