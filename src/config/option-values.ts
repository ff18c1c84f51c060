// The option table (options.ts) as yargs options for a command, and a parsed argument read back by
// the option's kind: sizes in bytes, durations in milliseconds, modes as numbers.
import type { Options } from 'yargs';
import { type CommandName, CONFIG_KEYS, OPTIONS, type OptionKind, type OptionName, type OptionSpec, parseDuration, parseSize } from './options.js';

const YARGS_TYPE: Record<OptionKind, NonNullable<Options['type']>> = {
  text: 'string', path: 'string', url: 'string', choice: 'string', size: 'string', duration: 'string', octal: 'string',
  list: 'array', flag: 'boolean', count: 'number', number: 'number',
};

function yargsOption(spec: OptionSpec, command?: CommandName): Options {
  const per = command ? spec.per?.[command] : undefined;
  const fallback = per?.default ?? spec.default;
  return {
    type: YARGS_TYPE[spec.kind],
    group: per?.group ?? spec.group,
    describe: per?.describe ?? spec.describe,
    ...(fallback !== undefined ? { default: fallback } : {}),
    ...(spec.kind === 'list' ? { string: true } : {}),
    ...(spec.choices ? { choices: [...spec.choices] } : {}),
  };
}

/** The options `command` takes, for yargs' `.options()`. */
export function yargsOptionsFor(command: CommandName): Record<string, Options> {
  const out: Record<string, Options> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [string, OptionSpec][]) {
    if (spec.commands.includes(command)) out[name] = yargsOption(spec, command);
  }
  return out;
}

/** Every config-file key as an option (`pdsfs config show` previews what a flag would do). */
export function yargsConfigOptions(): Record<string, Options> {
  const out: Record<string, Options> = {};
  for (const name of CONFIG_KEYS) out[name] = yargsOption(OPTIONS[name as OptionName]);
  return out;
}

type ValueOfKind<K extends OptionKind> = K extends 'list' ? string[] : K extends 'flag' ? boolean : K extends 'count' | 'number' | 'size' | 'duration' | 'octal' ? number : string;
export type OptionValueOf<N extends OptionName> = ValueOfKind<(typeof OPTIONS)[N]['kind']>;

/**
 * An option's value as its kind reads it, from parsed arguments; the table's default when the
 * arguments lack it (a caller that skipped yargs). undefined: not given and no default.
 */
export function readOption<N extends OptionName>(argv: Record<string, unknown>, name: N): OptionValueOf<N> | undefined {
  const spec: OptionSpec = OPTIONS[name];
  const raw = argv[name] ?? spec.default;
  if (raw === undefined || raw === '') return undefined;
  try {
    return valueOf(spec, raw) as OptionValueOf<N>;
  } catch (err) {
    throw new Error(`--${name}: ${(err as Error).message}`);
  }
}

/** A raw value (flag, environment or config file) as its kind reads it; throws what is wrong with it. */
export function valueOf(spec: OptionSpec, raw: unknown): unknown {
  switch (spec.kind) {
    case 'list':
      return (Array.isArray(raw) ? raw : [raw]).map(String);
    case 'flag':
      return raw === true || raw === 'true';
    case 'count':
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n) || (spec.kind === 'count' && (!Number.isInteger(n) || n < 0))) throw new Error(`not ${spec.kind === 'count' ? 'a whole number ≥ 0' : 'a number'}: ${String(raw)}`);
      return n;
    }
    case 'size':
      return parseSize(raw as string | number);
    case 'duration':
      return parseDuration(raw as string | number, spec.unit ?? 's');
    case 'octal': {
      const mode = /^[0-7]{1,4}$/.test(String(raw)) ? parseInt(String(raw), 8) : NaN;
      if (!(mode >= 0 && mode <= 0o777)) throw new Error(`not an octal mode: ${String(raw)}`);
      return mode;
    }
    case 'url':
      return String(raw).replace(/\/+$/, '');
    case 'choice':
      if (spec.choices && !spec.choices.includes(String(raw))) throw new Error(`${String(raw)} is not one of ${spec.choices.join(', ')}`);
      return String(raw);
    default:
      return String(raw);
  }
}
