// `pdsfs share create|list|info|update|cancel|save`: share links from the command line. Works on the
// same source as serve/mount (without --endpoint: the embedded local PDS server's store in
// --data-dir). Tables for people, --json for scripts; a failure names the problem and exits 1.
import type { Argv, CommandModule, Options } from 'yargs';
import type { App } from '../../app.js';
import { yargsOptionsFor } from '../../config/option-values.js';
import type { ProgressReporter } from '../../control/progress.js';
import type { ShareSettings } from '../../shares/manage.js';

type Args = Record<string, unknown>;

const JSON_OPTION: Options = { type: 'boolean', default: false, group: 'share', describe: 'Print JSON (for scripts)' };

/**
 * Settings given on the command line. The password must be typed there: PDSFS_PASSWORD and a config
 * file "password" are serve's login password, never a share password.
 */
function settingsOf(argv: Args): ShareSettings {
  const typed = process.argv.some((a) => a === '--password' || a.startsWith('--password='));
  const str = (k: string) => (typeof argv[k] === 'string' ? (argv[k] as string) : undefined);
  const s: ShareSettings = {};
  const password = typed ? str('password') : undefined;
  if (password !== undefined) s.password = password;
  for (const k of ['expire', 'name', 'description'] as const) {
    const v = str(k);
    if (v !== undefined) s[k] = v;
  }
  if (typeof argv.creatable === 'boolean') s.creatable = argv.creatable;
  return s;
}

/** What the share commands run: loaded when one runs, so that --help and --version start fast. */
async function loadShareLib() {
  const [manage, output, save, progress] = await Promise.all([
    import('../../shares/manage.js'),
    import('../../shares/output.js'),
    import('../../shares/save.js'),
    import('../../control/progress.js'),
  ]);
  return { ...manage, ...output, ...save, ...progress };
}

type ShareLib = Awaited<ReturnType<typeof loadShareLib>>;

/** Builds the app, runs `work`, prints its answer; on failure prints the problem and sets exit code 1. */
async function withApp(argv: Args, what: string, work: (app: App, lib: ShareLib) => Promise<string>): Promise<void> {
  const [{ createApp }, { appOptionsFromArgv, loggerOptionsFromArgv }, { createLogger }, { explain }, lib] = await Promise.all([
    import('../../app.js'),
    import('../../config/app-options-from-argv.js'),
    import('../../shared/logger.js'),
    import('../../shares/errors.js'),
    loadShareLib(),
  ]);
  const logger = createLogger(loggerOptionsFromArgv(argv));
  let app: App | undefined;
  try {
    app = await createApp(appOptionsFromArgv(argv), { logger });
    process.stdout.write(`${await work(app, lib)}\n`);
  } catch (err) {
    process.stderr.write(`pdsfs share ${what}: ${explain(err)}\n`);
    process.exitCode = 1;
  } finally {
    await app?.close().catch((err: unknown) => logger.warn({ err }, 'closing failed'));
    app?.client.close();
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const idOf = (argv: Args) => String(argv.id);

const createCommand: CommandModule = {
  command: 'create <paths..>',
  describe: 'Share files or folders of one drive, e.g. "drives/My Drive/photos"',
  builder: (y) => y.positional('paths', { type: 'string', array: true, describe: 'Namespace paths (drives/<drive>/...)' }).options({ ...yargsOptionsFor('share create'), json: JSON_OPTION }),
  handler: (argv) =>
    withApp(argv, 'create', async (app, { createShare, shareLinkView, shareLinkDetails }) => {
      const view = shareLinkView(await createShare(app, (argv.paths as unknown[]).map(String), settingsOf(argv)));
      return argv.json ? json(view) : `${shareLinkDetails(view)}\n\nOpen it with: pdsfs serve --share ${view.share_id}${view.has_password ? ':PASSWORD' : ''}`;
    }),
};

const listCommand: CommandModule = {
  command: 'list',
  describe: 'List your share links',
  builder: (y) => y.options({ ...yargsOptionsFor('share list'), all: { type: 'boolean', default: false, group: 'share', describe: 'Include cancelled links' }, json: JSON_OPTION }),
  handler: (argv) =>
    withApp(argv, 'list', async (app, { listShares, shareLinkView, shareLinksTable }) => {
      const views = (await listShares(app, argv.all === true)).map(shareLinkView);
      return argv.json ? json(views) : shareLinksTable(views);
    }),
};

const infoCommand: CommandModule = {
  command: 'info <id>',
  describe: 'What anyone with the link sees (ID:PASSWORD also checks the password)',
  builder: (y) => y.positional('id', { type: 'string', describe: 'Share id, or ID:PASSWORD' }).options({ ...yargsOptionsFor('share info'), json: JSON_OPTION }),
  handler: (argv) =>
    withApp(argv, `info ${idOf(argv).split(':')[0]}`, async (app, { shareInfo, anonymousDetails }) => {
      const info = await shareInfo(app, idOf(argv));
      return argv.json ? json(info) : anonymousDetails(info.share_id, info);
    }),
};

const updateCommand: CommandModule = {
  command: 'update <id>',
  describe: 'Change the password, expiration, name, description or uploads (--creatable) of a share link',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Share id' })
      .options({ ...yargsOptionsFor('share update'), json: JSON_OPTION }),
  handler: (argv) =>
    withApp(argv, `update ${idOf(argv)}`, async (app, { updateShare, shareLinkView, shareLinkDetails }) => {
      const view = shareLinkView(await updateShare(app, idOf(argv), settingsOf(argv)));
      return argv.json ? json(view) : shareLinkDetails(view);
    }),
};

const cancelCommand: CommandModule = {
  command: 'cancel <id>',
  describe: 'Cancel a share link (it stops working at once)',
  builder: (y) => y.positional('id', { type: 'string', describe: 'Share id' }).options({ ...yargsOptionsFor('share cancel'), json: JSON_OPTION }),
  handler: (argv) =>
    withApp(argv, `cancel ${idOf(argv)}`, async (app, { cancelShare }) => {
      await cancelShare(app, idOf(argv));
      return argv.json ? json({ share_id: idOf(argv), cancelled: true }) : `cancelled share ${idOf(argv)}`;
    }),
};

const saveCommand: CommandModule = {
  command: 'save <share> <src> <dest>',
  describe: 'Copy SRC of a share link (a path in it, or / for all of it) into the drive folder DEST, server-side',
  builder: (y) =>
    y
      .positional('share', { type: 'string', describe: 'Share id, or ID:PASSWORD' })
      .positional('src', { type: 'string', describe: 'Path inside the share: / or folder/file' })
      .positional('dest', { type: 'string', describe: 'Drive folder, e.g. "drives/My Drive/saved"' })
      .options({ ...yargsOptionsFor('share save'), json: JSON_OPTION }),
  handler: (argv) =>
    withApp(argv, 'save', async (app, { saveFromShare, progressReporter }) => {
      // One bar (or plain lines off a terminal) per folder copy the server runs.
      let bar: { name: string; reporter: ProgressReporter } | undefined;
      const progress = (name: string, done: number, total: number) => {
        if (bar?.name !== name) {
          bar?.reporter.stop();
          bar = { name, reporter: progressReporter(`copying ${name} (entries)`, total) };
        }
        bar.reporter.update(done, { total });
      };
      const saved = await saveFromShare(app, String(argv.share), String(argv.src), String(argv.dest), progress).finally(() => bar?.reporter.stop());
      return argv.json ? json(saved) : saved.map((s) => `saved ${s.kind === 'dir' ? 'folder' : 'file'} ${s.path}`).join('\n') || 'the share is empty: nothing saved';
    }),
};

export const shareCommand: CommandModule = {
  command: 'share',
  describe: 'Create, list, inspect, change, cancel and save from share links',
  builder: (y: Argv) =>
    y
      .command(createCommand)
      .command(listCommand)
      .command(infoCommand)
      .command(updateCommand)
      .command(cancelCommand)
      .command(saveCommand)
      .demandCommand(1, 'Name a subcommand: create, list, info, update, cancel or save.'),
  handler: () => undefined,
};
