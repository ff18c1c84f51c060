// `pdsfs mount MOUNTPOINT`: the FUSE front-end. Runs in the foreground until SIGINT or SIGTERM (or an
// unmount from outside), then drains pending uploads with progress, unmounts and exits 0.
import os from 'node:os';
import path from 'node:path';
import type { CommandModule, Options } from 'yargs';
import { type App, createApp } from '../../app.js';
import { appOptionsFromArgv } from '../../config/app-options-from-argv.js';
import { DEFAULT_CACHE_DIR, optionsFor } from '../../config/options.js';
import { drainProgress } from '../../fuse/drain-progress.js';
import { mount, MOUNTED_MESSAGE, type Mounted } from '../../fuse/mount.js';
import { createLogger, type Logger } from '../../shared/logger.js';

const MOUNT_OPTIONS: Record<string, Options> = {
  'allow-other': { type: 'boolean', default: false, group: 'mount', describe: 'Let other users access the mount (non-root needs user_allow_other in /etc/fuse.conf)' },
  uid: { type: 'number', group: 'mount', describe: 'Owner shown for every file (default: the mounting user)' },
  gid: { type: 'number', group: 'mount', describe: 'Group shown for every file (default: the mounting group)' },
  umask: { type: 'string', default: '022', group: 'mount', describe: 'Octal umask applied to 0777 (directories) and 0666 (files)' },
  foreground: {
    type: 'boolean',
    default: true,
    group: 'mount',
    describe: 'Stay in the foreground (pdsfs always does: run it under systemd, tmux or nohup to keep it going)',
  },
  'fuse-debug': { type: 'boolean', default: false, group: 'mount', describe: "Trace every FUSE request on stderr (libfuse's debug output)" },
};

export const mountCommand: CommandModule = {
  command: 'mount <mountpoint>',
  describe: 'Mount PDS drives and share links as a local filesystem (FUSE)',
  builder: (y) =>
    y
      .positional('mountpoint', { type: 'string', describe: 'Directory to mount on (created if missing)' })
      .options({ ...(optionsFor('source', 'cache', 'vfs', 'log') as Record<string, Options>), ...MOUNT_OPTIONS }),
  handler: async (argv) => {
    const logger = createLogger({ level: String(argv['log-level']), ...(typeof argv['log-file'] === 'string' ? { file: argv['log-file'] } : {}) });
    const umask = parseInt(String(argv.umask), 8);
    if (!Number.isInteger(umask) || umask < 0 || umask > 0o777) throw new Error(`--umask: not an octal mode: ${String(argv.umask)}`);
    const app = await createApp(appOptionsFromArgv(argv), { logger });
    let mounted: Mounted;
    try {
      mounted = await mount(app.vfs, String(argv.mountpoint), {
        uid: typeof argv.uid === 'number' ? argv.uid : os.userInfo().uid,
        gid: typeof argv.gid === 'number' ? argv.gid : os.userInfo().gid,
        umask,
        allowOther: argv['allow-other'] === true,
        debug: argv['fuse-debug'] === true,
        logger,
        nativeBuildDir: path.join(DEFAULT_CACHE_DIR, 'native'),
      });
    } catch (err) {
      await app.close();
      throw err;
    }
    process.stdout.write(`${MOUNTED_MESSAGE} ${mounted.mountpoint}\n`);
    process.exit(await runUntilStopped(app, mounted, logger));
  },
};

/** Serves until asked to stop; returns the exit code. A second signal stops waiting for uploads. */
async function runUntilStopped(app: App, mounted: Mounted, logger: Logger): Promise<number> {
  const reason = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    void mounted.unmountedElsewhere.then(() => resolve('unmounted'));
  });
  const forced = new Promise<false>((resolve) => {
    process.once('SIGINT', () => resolve(false));
    process.once('SIGTERM', () => resolve(false));
  });
  logger.info({ reason }, 'stopping: draining pending uploads');
  const progress = drainProgress(process.stderr);
  const drain = app.vfs.drain((files, bytes) => progress.update(files, bytes)).then(
    () => true as const,
    (err: unknown) => {
      logger.error({ err }, 'draining uploads failed');
      return false as const;
    },
  );
  const drained = await Promise.race([drain, forced]);
  progress.done();
  let code = 0;
  try {
    await mounted.unmount();
  } catch (err) {
    logger.error({ err }, 'unmount failed');
    code = 1;
  }
  if (!drained) {
    logger.warn('stopped before all uploads finished: they resume at the next start');
    return 1;
  }
  const { failedFiles } = app.vfs.status();
  if (failedFiles > 0) logger.error({ failedFiles }, 'some uploads failed for good: their content is kept in the recovery folder of the cache');
  try {
    await app.close();
  } catch (err) {
    logger.error({ err }, 'closing the cache failed');
    code = 1;
  }
  return code;
}
