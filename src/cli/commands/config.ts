// `pdsfs config show [--json]`: every option's effective value (flags > PDSFS_* env > config file >
// defaults), secrets redacted; `pdsfs config path`: which config file is in use.
import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { sharePassword, type JwtConfig, type OptionValue } from '../../config/config-file.js';
import { configFileOf, loadConfigFile } from '../../config/load-config.js';
import { yargsConfigOptions } from '../../config/option-values.js';
import { CONFIG_KEYS, SECRET_OPTIONS } from '../../config/options.js';

const REDACTED = '[redacted]';

function redact(name: string, value: unknown): OptionValue {
  if (SECRET_OPTIONS.has(name)) return REDACTED;
  if (name === 'share' && Array.isArray(value)) {
    return value.map((s: unknown) => {
      const share = String(s);
      return sharePassword(share) === undefined ? share : `${share.slice(0, share.indexOf(':'))}:${REDACTED}`;
    });
  }
  return value as OptionValue;
}

interface EffectiveConfig {
  file: string;
  options: Record<string, OptionValue>;
  /** The private key's path only; the key is never read here. */
  jwt?: JwtConfig;
}

function effectiveConfig(argv: Record<string, unknown>): EffectiveConfig {
  const file = configFileOf(argv);
  const options: Record<string, OptionValue> = {};
  for (const name of CONFIG_KEYS) {
    if (argv[name] !== undefined) options[name] = redact(name, argv[name]);
  }
  const { jwt } = loadConfigFile(file);
  return { file, options, ...(jwt ? { jwt } : {}) };
}

function asText(config: EffectiveConfig): string {
  const exists = fs.existsSync(config.file) ? '' : ' (not found: defaults, env and flags only)';
  const rows: [string, unknown][] = Object.entries(config.options);
  if (config.jwt) rows.push(...Object.entries(config.jwt).map(([k, v]): [string, unknown] => [`jwt.${k}`, v]));
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  return [`config file: ${config.file}${exists}`, ...lines].join('\n');
}

const showCommand: CommandModule = {
  command: 'show',
  describe: 'Print the effective configuration, secrets redacted',
  // Every config key is accepted here, so `config show --port 1` previews what a flag would do.
  builder: (y) => y.options(yargsConfigOptions()).option('json', { type: 'boolean', default: false, describe: 'Print one JSON object' }),
  handler: (argv) => {
    const config = effectiveConfig(argv);
    process.stdout.write(`${argv.json ? JSON.stringify(config) : asText(config)}\n`);
  },
};

const pathCommand: CommandModule = {
  command: 'path',
  describe: 'Print the path of the config file in use',
  handler: (argv) => {
    process.stdout.write(`${configFileOf(argv)}\n`);
  },
};

export const configCommand: CommandModule = {
  command: 'config',
  describe: 'Show the effective configuration or the config file path',
  builder: (y: Argv) => y.command(showCommand).command(pathCommand).demandCommand(1, 'Name a subcommand: show or path.'),
  handler: () => undefined,
};
