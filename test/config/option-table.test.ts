// The option table is the one source: every option naming an AppOptions field reaches it from a
// flag, the environment or the config file, read by its kind; every command's --help lists each of
// its options once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import yargs from 'yargs';
import { appOptionsFromArgv } from '../../src/config/app-options-from-argv.js';
import { configFileOption } from '../../src/config/load-config.js';
import { yargsOptionsFor } from '../../src/config/option-values.js';
import { type CommandName, OPTIONS, type OptionSpec } from '../../src/config/options.js';
import { pdsfsProgram } from '../../src/cli/program.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pdsfs-option-table-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const noConfig = path.join(root, 'absent.json');

/** A value unlike the default for each kind, as typed and as the app receives it. */
function sample(name: string, spec: OptionSpec): { args: string[]; expected: unknown } {
  switch (spec.kind) {
    case 'url':
      return { args: [`--${name}`, 'http://sample.invalid/'], expected: 'http://sample.invalid' };
    case 'path':
      return { args: [`--${name}`, path.join(root, name)], expected: path.join(root, name) };
    case 'size':
      return { args: [`--${name}`, '3M'], expected: 3 * 1024 ** 2 };
    case 'duration':
      return { args: [`--${name}`, '1500ms'], expected: 1500 };
    case 'count':
      return { args: [`--${name}`, '3'], expected: 3 };
    case 'flag':
      return { args: [`--${name}`], expected: true };
    case 'list':
      return { args: [`--${name}`, 'a', `--${name}`, 'b:pw'], expected: ['a', 'b:pw'] };
    default:
      return { args: [`--${name}`, `sample-${name}`], expected: `sample-${name}` };
  }
}

function parse(command: CommandName, args: string[]): Record<string, unknown> {
  return yargs(args).env('PDSFS').option('config', configFileOption).options(yargsOptionsFor(command)).strict().parseSync();
}

const appOptions = (Object.entries(OPTIONS) as [string, OptionSpec][]).filter(([, s]) => s.app);

describe('the option table reaches the app options', () => {
  it('every option naming an AppOptions field sets it from a flag, read by its kind', () => {
    assert.ok(appOptions.length >= 20, `${appOptions.length} options set app fields`);
    const args = appOptions.flatMap(([name, spec]) => sample(name, spec).args);
    for (const [name, spec] of appOptions) assert.ok(spec.commands.includes('serve'), `serve takes --${name}`);
    const opts = appOptionsFromArgv(parse('serve', ['--config', noConfig, ...args])) as unknown as Record<string, unknown>;
    const defaults = appOptionsFromArgv(parse('serve', ['--config', noConfig])) as unknown as Record<string, unknown>;
    for (const [name, spec] of appOptions) {
      assert.deepEqual(opts[spec.app!], sample(name, spec).expected, `--${name} → ${spec.app}`);
      assert.notDeepEqual(defaults[spec.app!], opts[spec.app!], `--${name}: the sample differs from the default`);
    }
  });

  it('defaults come from the table: a duration without a unit is in its unit, a size in bytes', () => {
    const opts = appOptionsFromArgv(parse('serve', ['--config', noConfig]));
    assert.equal(opts.pollIntervalMs, 10_000);
    assert.equal(opts.writeBackMs, 2000);
    assert.equal(opts.cacheMem, 128 * 1024 ** 2);
    // A caller that skips yargs (argv without the options) gets the same.
    assert.deepEqual(appOptionsFromArgv({ config: noConfig }), opts);
  });

  it('the environment and the config file are read by kind too', (t) => {
    const file = path.join(root, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ 'poll-interval': '2m', 'write-back': 5, 'cache-max-size': '1G' }), { mode: 0o600 });
    process.env.PDSFS_DIR_CACHE_TIME = '90s';
    t.after(() => delete process.env.PDSFS_DIR_CACHE_TIME);
    const opts = appOptionsFromArgv(parse('serve', ['--config', file]));
    assert.equal(opts.pollIntervalMs, 120_000);
    assert.equal(opts.writeBackMs, 5000);
    assert.equal(opts.cacheMaxSize, 1024 ** 3);
    assert.equal(opts.dirCacheTimeMs, 90_000);
  });

  it('a value its kind cannot read is refused, naming the option', () => {
    assert.throws(() => appOptionsFromArgv(parse('serve', ['--config', noConfig, '--poll-interval', 'soon'])), /--poll-interval: not a duration: soon/);
    assert.throws(() => appOptionsFromArgv(parse('serve', ['--config', noConfig, '--cache-mem', 'lots'])), /--cache-mem: not a size: lots/);
    assert.throws(() => appOptionsFromArgv(parse('serve', ['--config', noConfig, '--upload-parts', '-1'])), /--upload-parts: not a whole number/);
  });
});

/** The words that run each command of the table. */
const INVOCATIONS: Record<CommandName, string[]> = {
  serve: ['serve'],
  mount: ['mount', 'dir'],
  emulator: ['emulator'],
  views: ['search', 'q'],
  login: ['login'],
  status: ['status'],
  cache: ['cache', 'clear'],
  'share create': ['share', 'create', 'x'],
  'share list': ['share', 'list'],
  'share info': ['share', 'info', 'x'],
  'share update': ['share', 'update', 'x'],
  'share cancel': ['share', 'cancel', 'x'],
  'share save': ['share', 'save', 'x', 'y', 'z'],
};

/**
 * The help text the program prints for `pdsfs WORDS… --help`, asked in this process: a process per
 * command cost half a CPU-second each (test/cli/package.test.ts runs the installed command's --help).
 */
function help(words: string[]): Promise<string> {
  const args = [...words, '--help'];
  return new Promise((resolve, reject) => {
    void pdsfsProgram(args).parse(args, {}, (err, _argv, output) => (err ? reject(err) : resolve(output)));
  });
}

describe('--help', () => {
  for (const [command, words] of Object.entries(INVOCATIONS) as [CommandName, string[]][]) {
    it(`pdsfs ${words[0]}${command.startsWith('share') ? ` ${words[1]}` : ''} lists each of its options once`, async () => {
      const text = await help(words);
      const taken = (Object.entries(OPTIONS) as [string, OptionSpec][]).filter(([, s]) => s.commands.includes(command));
      assert.ok(taken.length > 0);
      // An option's own line: its name, then its description column (not an example's words).
      for (const [name] of taken) {
        const lines = text.split('\n').filter((l) => new RegExp(`^\\s+--${name}(\\s{2,}|$)`).test(l));
        assert.equal(lines.length, 1, `--${name} in pdsfs ${words.join(' ')} --help:\n${text}`);
      }
    });
  }
});
