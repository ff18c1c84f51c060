// Turns parsed yargs arguments into the typed AppOptions of the composition root: every option of
// the table that names an AppOptions field sets it, read by its kind (options.ts); what is left is
// wiring no single option gives (stored JWT credentials, the shared token store).
import type { AppOptions } from '../app-options.js';
import type { LogFormat, LoggerOptions } from '../shared/logger.js';
import { storedJwtCredentials } from './credentials.js';
import { configFileOf, loadConfigFile } from './load-config.js';
import { readOption } from './option-values.js';
import { OPTIONS, type OptionName, type OptionSpec } from './options.js';
import { FileTokenStore, tokenStoreFile } from './token-store.js';

type Argv = Record<string, unknown>;

/** --log-level, --log-file and --log-format as logger options. */
export function loggerOptionsFromArgv(argv: Argv): LoggerOptions {
  const file = readOption(argv, 'log-file');
  return { level: readOption(argv, 'log-level') ?? 'info', format: (readOption(argv, 'log-format') ?? 'auto') as LogFormat, ...(file ? { file } : {}) };
}

/** Also wires stored JWT credentials and, for the stored login, the token store shared with other processes. */
export function appOptionsFromArgv(argv: Argv): AppOptions {
  const fields: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    if (!spec.app) continue;
    const value = readOption(argv, name);
    if (value !== undefined) fields[spec.app] = value;
  }
  // Every field AppOptions requires has a default in the table.
  const opts = fields as unknown as AppOptions;
  // Only the login kept in the config file shares its store: a token from a flag or the
  // environment is another login, whose rotations must not replace the stored one's.
  if (opts.refreshToken) {
    const configFile = configFileOf(argv);
    if (loadConfigFile(configFile).options['refresh-token'] === opts.refreshToken) opts.tokenStore = new FileTokenStore(tokenStoreFile(configFile));
  }
  const jwt = storedJwtCredentials(argv);
  if (jwt) opts.jwt = jwt;
  return opts;
}
