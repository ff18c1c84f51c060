// `pdsfs trash|versions|search|star|unstar`: the views (trash/, versions/, search/, starred/) from
// the command line, on the same source as serve/mount. Paths are namespace paths
// ("drives/My Drive/report.pdf"). Tables for people, --json for scripts; a failure names the
// problem and exits 1.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Argv, CommandModule, Options } from 'yargs';
import type { App } from '../../app.js';
import { yargsOptionsFor } from '../../config/option-values.js';
import type { NodeInfo } from '../../vfs/types.js';

type Args = Record<string, unknown>;

const SOURCE_OPTIONS = yargsOptionsFor('views');
const JSON_OPTION: Options = { type: 'boolean', default: false, describe: 'Print JSON (for scripts)' };
const COMMON = { ...SOURCE_OPTIONS, json: JSON_OPTION };

/** What the view commands run: loaded when one runs, so that --help and --version start fast. */
async function loadViewsLib() {
  const [app, argvOptions, logger, errors, manage, output] = await Promise.all([
    import('../../app.js'),
    import('../../config/app-options-from-argv.js'),
    import('../../shared/logger.js'),
    import('../../shares/errors.js'),
    import('../../shares/manage.js'),
    import('../../shares/output.js'),
  ]);
  return { ...app, ...argvOptions, ...logger, ...errors, namespacePath: manage.namespacePath, table: output.table };
}

type ViewsLib = Awaited<ReturnType<typeof loadViewsLib>>;

/** Builds the app (whole namespace, views shown), runs `work`, prints its answer; failures exit 1. */
async function withApp(argv: Args, what: string, work: (app: App, lib: ViewsLib) => Promise<string | undefined>): Promise<void> {
  const lib = await loadViewsLib();
  const { createApp, appOptionsFromArgv, explain } = lib;
  const logger = lib.createLogger(lib.loggerOptionsFromArgv(argv));
  let app: App | undefined;
  try {
    const opts = appOptionsFromArgv(argv);
    delete opts.drive;
    app = await createApp(opts, { logger });
    const out = await work(app, lib);
    if (out !== undefined) process.stdout.write(`${out}\n`);
  } catch (err) {
    process.stderr.write(`pdsfs ${what}: ${explain(err)}\n`);
    process.exitCode = 1;
  } finally {
    await app?.close().catch((err: unknown) => logger.warn({ err }, 'closing failed'));
    app?.client.close();
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const time = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** "drives/My Drive/a/b" → the same place under a view: "/versions/My Drive/a/b". */
function underView(lib: ViewsLib, view: string, path: string): string {
  const p = lib.namespacePath(path);
  if (!p.startsWith('/drives/') || p === '/drives/') throw new lib.ShareCommandError(`${path}: not in a drive (paths look like "drives/<drive>/<folder>/<file>")`);
  return `/${view}/${p.slice('/drives/'.length)}`;
}

function entries(lib: ViewsLib, nodes: readonly NodeInfo[], asJson: boolean): string {
  if (asJson) return json(nodes.map((n) => ({ path: n.path, name: n.name, kind: n.kind, size: n.size, mtime: time(n.mtime), ...(n.contentHash ? { sha1: n.contentHash } : {}) })));
  if (nodes.length === 0) return 'nothing here';
  return lib.table(['NAME', 'KIND', 'SIZE', 'MODIFIED'], nodes.map((n) => [n.name, n.kind, n.kind === 'dir' ? '-' : String(n.size), time(n.mtime)]));
}

const trashCommand: CommandModule = {
  command: 'trash',
  describe: 'List, restore and purge the entries of a drive\'s recycle bin',
  builder: (y: Argv) =>
    y
      .command({
        command: 'list [drive]',
        describe: 'Entries in the recycle bin of one drive (default: every drive)',
        builder: (b) => b.positional('drive', { type: 'string', describe: 'Drive name as under drives/' }).options(COMMON),
        handler: (argv) =>
          withApp(argv, 'trash list', async (app, lib) => {
            const drives = argv.drive ? [String(argv.drive)] : (await app.vfs.readdir('/trash')).map((d) => d.name);
            const nodes = (await Promise.all(drives.map((d) => app.vfs.readdir(`/trash/${d}`)))).flat();
            return entries(lib, nodes, argv.json === true);
          }),
      })
      .command({
        command: 'restore <entry> [dest]',
        describe: 'Put "<drive>/<name>" back where it was, or move it to DEST (a path in the same drive)',
        builder: (b) => b.positional('entry', { type: 'string' }).positional('dest', { type: 'string' }).options(COMMON),
        handler: (argv) =>
          withApp(argv, 'trash restore', async (app, lib) => {
            const from = `/trash/${String(argv.entry).replace(/^\/+/, '')}`;
            if (argv.dest) await app.vfs.rename(from, lib.namespacePath(String(argv.dest)), { overwrite: false });
            else await app.vfs.restore(from);
            return argv.json ? json({ restored: from, ...(argv.dest ? { to: lib.namespacePath(String(argv.dest)) } : {}) }) : `restored ${argv.entry}`;
          }),
      })
      .command({
        command: 'purge <entry>',
        describe: 'Delete "<drive>/<name>" from the recycle bin for good',
        builder: (b) => b.positional('entry', { type: 'string' }).options(COMMON),
        handler: (argv) =>
          withApp(argv, 'trash purge', async (app, lib) => {
            await app.vfs.remove(`/trash/${String(argv.entry).replace(/^\/+/, '')}`, { recursive: true });
            return argv.json ? json({ purged: argv.entry }) : `purged ${argv.entry}`;
          }),
      })
      .demandCommand(1, 'Name a subcommand: list, restore or purge.'),
  handler: () => undefined,
};

const versionsCommand: CommandModule = {
  command: 'versions',
  describe: 'List, fetch and restore earlier versions of a file',
  builder: (y: Argv) =>
    y
      .command({
        command: 'list <path>',
        describe: 'The versions of a file, named by the time they were written',
        builder: (b) => b.positional('path', { type: 'string', describe: 'e.g. "drives/My Drive/report.pdf"' }).options(COMMON),
        handler: (argv) => withApp(argv, 'versions list', async (app, lib) => entries(lib, await app.vfs.readdir(underView(lib, 'versions', String(argv.path))), argv.json === true)),
      })
      .command({
        command: 'get <path> <rev>',
        describe: 'Write version REV (a name from "versions list") to --output, or to stdout',
        builder: (b) => b.positional('path', { type: 'string' }).positional('rev', { type: 'string' }).options({ ...SOURCE_OPTIONS, output: { type: 'string', alias: 'o', describe: 'File to write' } }),
        handler: (argv) =>
          withApp(argv, 'versions get', async (app, lib) => {
            const handle = await app.vfs.open(`${underView(lib, 'versions', String(argv.path))}/${String(argv.rev)}`, { read: true, write: false });
            const chunks = async function* () {
              try {
                for (let pos = 0; ; ) {
                  const buf = Buffer.alloc(1 << 20);
                  const n = await handle.read(buf, pos, buf.length);
                  if (n === 0) return;
                  pos += n;
                  yield buf.subarray(0, n);
                }
              } finally {
                await handle.release();
              }
            };
            await pipeline(Readable.from(chunks()), argv.output ? fs.createWriteStream(String(argv.output)) : process.stdout);
            return argv.output ? `wrote ${argv.output}` : undefined;
          }),
      })
      .command({
        command: 'restore <path> <rev>',
        describe: 'Make version REV the file\'s content again (the current content stays as a version)',
        builder: (b) => b.positional('path', { type: 'string' }).positional('rev', { type: 'string' }).options(COMMON),
        handler: (argv) =>
          withApp(argv, 'versions restore', async (app, lib) => {
            await app.vfs.restore(`${underView(lib, 'versions', String(argv.path))}/${String(argv.rev)}`);
            return argv.json ? json({ path: lib.namespacePath(String(argv.path)), restored: argv.rev }) : `restored ${argv.rev} as the content of ${argv.path}`;
          }),
      })
      .demandCommand(1, 'Name a subcommand: list, get or restore.'),
  handler: () => undefined,
};

const searchCommand: CommandModule = {
  command: 'search <query>',
  describe: 'Files whose name matches QUERY, in every drive',
  builder: (y) => y.positional('query', { type: 'string' }).options(COMMON),
  handler: (argv) =>
    withApp(argv, 'search', async (app, lib) => {
      const query = String(argv.query);
      if (query.trim() === '' || query.includes('/')) throw new lib.ShareCommandError('a query is a non-empty name part without "/"');
      return entries(lib, await app.vfs.readdir(`/search/${query}`), argv.json === true);
    }),
};

function starCommand(starred: boolean): CommandModule {
  const name = starred ? 'star' : 'unstar';
  return {
    command: `${name} <paths..>`,
    describe: starred ? 'Star files or folders (they show in starred/)' : 'Remove the star of files or folders',
    builder: (y) => y.positional('paths', { type: 'string', array: true }).options(COMMON),
    handler: (argv) =>
      withApp(argv, name, async (app, lib) => {
        const paths = (argv.paths as unknown[]).map((p) => lib.namespacePath(String(p)));
        for (const p of paths) await app.vfs.setMeta(p, { starred });
        return argv.json ? json(paths.map((path) => ({ path, starred }))) : paths.map((p) => `${starred ? 'starred' : 'unstarred'} ${p}`).join('\n');
      }),
  };
}

export const viewCommands: CommandModule[] = [trashCommand, versionsCommand, searchCommand, starCommand(true), starCommand(false)];
