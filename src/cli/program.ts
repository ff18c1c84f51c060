// The pdsfs command line as one yargs program, one file per subcommand under commands/. main.ts
// runs it on the process's arguments; tests ask it for help text without a process per command.
import yargs, { type Argv } from 'yargs';
import { configFileOption, dropSettingsOfOtherCommands } from '../config/load-config.js';
import { cacheCommand } from './commands/cache.js';
import { configCommand } from './commands/config.js';
import { emulatorCommand } from './commands/emulator.js';
import { loginCommand } from './commands/login.js';
import { logoutCommand } from './commands/logout.js';
import { mountCommand } from './commands/mount.js';
import { serveCommand } from './commands/serve.js';
import { shareCommand } from './commands/share.js';
import { statusCommand } from './commands/status.js';
import { unmountCommand } from './commands/unmount.js';
import { viewCommands } from './commands/views.js';
import { startOptimizing } from './compilers.js';

/** The long-running commands, which turn V8's compilers on themselves once started (compilers.ts). */
const OPTIMIZE_WHEN_READY = new Set(['serve', 'mount', 'emulator']);

/** The program over `args` (the arguments after `pdsfs`), not parsed yet. */
export function pdsfsProgram(args: string[]): Argv {
  return yargs(args)
    .scriptName('pdsfs')
    .env('PDSFS')
    .option('config', configFileOption)
    .middleware(dropSettingsOfOtherCommands, true)
    .middleware(skipHelpCache, true)
    .middleware((argv) => {
      if (!OPTIMIZE_WHEN_READY.has(String(argv._[0]))) startOptimizing();
    })
    .command(serveCommand)
    .command(mountCommand)
    .command(unmountCommand)
    .command(shareCommand)
    .command(statusCommand)
    .command(cacheCommand)
    .command(emulatorCommand)
    .command(loginCommand)
    .command(logoutCommand)
    .command(configCommand)
    .command(viewCommands)
    .fail((message, err) => {
      // A failing command says what went wrong in one line; a stack trace only with --log-level debug.
      process.stderr.write(err ? `pdsfs: ${wantsStack(args) ? err.stack : err.message}\n` : `pdsfs: ${message}\nRun with --help for usage.\n`);
      process.exit(1);
    })
    .demandCommand(1, 'Name a command: pdsfs <command> --help shows its options.')
    .strict()
    .help();
}

/**
 * yargs renders a command's whole help text right after starting its handler, in case a later
 * failure wants to show it (command.js, cacheHelpMessage). .fail above never shows help, and the
 * render (cliui, wrap-ansi, string-width over every option) cost each command ~0.1–0.3 CPU-s of
 * its start, on the event loop of a daemon that has begun serving. The Angular CLI turns the cache
 * off alike (angular/angular-cli#34087). `--help` still renders, on request.
 */
function skipHelpCache(_argv: unknown, cli?: unknown): void {
  const usage = (cli as YargsInternals | undefined)?.getInternalMethods?.().getUsageInstance();
  if (usage) usage.cacheHelpMessage = () => {};
}

/** The part of yargs' instance that skipHelpCache reaches (not in its type declarations). */
interface YargsInternals {
  getInternalMethods?(): { getUsageInstance(): { cacheHelpMessage: () => void } };
}

/** --log-level debug (or PDSFS_LOG_LEVEL=debug); not any argument that happens to be "debug". */
function wantsStack(args: string[]): boolean {
  const at = args.indexOf('--log-level');
  return (at >= 0 && args[at + 1] === 'debug') || args.includes('--log-level=debug') || process.env.PDSFS_LOG_LEVEL === 'debug';
}
