// Wires the config file into yargs. yargs applies flags > env (PDSFS_*) > config file > defaults by
// itself once `--config` is declared as its config option; this module supplies that option (whose
// parser validates the file) and a middleware that keeps settings meant for other commands (a
// `port` in the file, PDSFS_ENDPOINT in the environment) from failing `.strict()` on commands
// that do not take them.
import path from 'node:path';
import type { Options } from 'yargs';
import { readConfigFile, type ConfigFileContents } from './config-file.js';
import { DEFAULT_CONFIG_FILE, OPTIONS } from './options.js';

/** Parsed once per file per process: yargs calls the parser for every (sub)command level. */
const loaded = new Map<string, ConfigFileContents>();

/** The config file of an absolute path, validated; its permission warning goes to stderr once. */
export function loadConfigFile(file: string): ConfigFileContents {
  let contents = loaded.get(file);
  if (!contents) {
    contents = readConfigFile(file, { warn: (m) => process.stderr.write(`pdsfs: ${m}\n`) });
    loaded.set(file, contents);
  }
  return contents;
}

/** The options part of the file, for yargs (which may mutate what it is given). */
function configParser(file: string): Record<string, unknown> {
  return structuredClone(loadConfigFile(file).options);
}

/** The global `--config FILE` option (env PDSFS_CONFIG); add with `.option('config', configFileOption)`. */
export const configFileOption = {
  type: 'string',
  global: true,
  default: DEFAULT_CONFIG_FILE,
  describe: 'Config file: JSON whose keys are option names (flags > PDSFS_* env > config file > defaults)',
  config: true,
  configParser,
} as const satisfies Options;

/** The path named by --config / PDSFS_CONFIG / the default, as yargs resolved it in argv. */
export function configFileOf(argv: Record<string, unknown>): string {
  return path.resolve(typeof argv.config === 'string' && argv.config !== '' ? argv.config : DEFAULT_CONFIG_FILE);
}

const envName = (option: string): string => `PDSFS_${option.toUpperCase().replace(/-/g, '_')}`;
const camelCase = (option: string): string => option.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

interface OptionsOwner {
  getOptions(): { key: Record<string, unknown> };
}

const optionOfEnv = (variable: string): string => variable.slice('PDSFS_'.length).toLowerCase().replace(/_/g, '-');

/**
 * Global middleware, applied before validation: removes settings the running command does not
 * declare when their value came from the config file or the environment (any PDSFS_* variable, e.g.
 * PDSFS_PASSWORD for serve while running `pdsfs status`). A flag the command does not take still
 * fails `.strict()`.
 */
export function dropSettingsOfOtherCommands(argv: Record<string, unknown>, yargs?: unknown): void {
  const declared = (yargs as OptionsOwner | undefined)?.getOptions().key;
  if (!declared) return;
  const fromFile = loaded.get(configFileOf(argv))?.options ?? {};
  const fromEnv = Object.keys(process.env).filter((v) => v.startsWith('PDSFS_')).map(optionOfEnv);
  for (const name of new Set([...Object.keys(OPTIONS), ...Object.keys(fromFile), ...fromEnv])) {
    // yargs keeps an undeclared setting under its camelCase key only.
    const value = argv[name] ?? argv[camelCase(name)];
    if (name in declared || camelCase(name) in declared || value === undefined) continue;
    const env = process.env[envName(name)];
    const cameFromFile = name in fromFile && JSON.stringify(fromFile[name]) === JSON.stringify(value);
    const cameFromEnv = env !== undefined && String(value) === env;
    if (cameFromFile || cameFromEnv) {
      delete argv[name];
      delete argv[camelCase(name)];
    }
  }
}
