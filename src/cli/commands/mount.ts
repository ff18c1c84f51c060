// `pdsfs mount MOUNTPOINT`: the FUSE front-end. Runs in the foreground until SIGINT or SIGTERM (or an
// unmount from outside), then drains pending uploads with progress, unmounts and exits 0.
import os from 'node:os';
import path from 'node:path';
import type { CommandModule, Options } from 'yargs';
import type { ControlServer } from '../../control/server.js';
import { DEFAULT_CACHE_DIR, optionsFor } from '../../config/options.js';
import type { Mounted } from '../../fuse/mount.js';

const MOUNT_OPTIONS: Record<string, Options> = {
  'allow-other': { type: 'boolean', default: false, group: 'mount', describe: 'Let other users access the mount (non-root needs user_allow_other in /etc/fuse.conf)' },
  'posix-attrs': {
    type: 'boolean',
    default: true,
    group: 'mount',
    describe: 'Keep modes, owners, times, symlinks, FIFOs and device nodes with the files in PDS, and let the kernel check permissions (--no-posix-attrs: every file shows --uid, --gid and --umask)',
  },
  uid: { type: 'number', group: 'mount', describe: 'Owner shown for files without stored attributes (default: the mounting user)' },
  gid: { type: 'number', group: 'mount', describe: 'Group shown for files without stored attributes (default: the mounting group)' },
  umask: { type: 'string', default: '022', group: 'mount', describe: 'Octal umask applied to 0777 (directories) and 0666 (files) without stored attributes' },
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
      .options({ ...(optionsFor('source', 'cache', 'vfs', 'log', 'daemon') as Record<string, Options>), ...MOUNT_OPTIONS }),
  handler: async (argv) => {
    // Loaded when the command runs, so that --help and --version start fast.
    const [{ daemonLogger, openDaemon, runUntilStopped, startDaemonControl }, { mount, MOUNTED_MESSAGE, prepareMountpoint }] = await Promise.all([import('../daemon.js'), import('../../fuse/mount.js')]);
    const logger = daemonLogger(argv);
    const umask = parseInt(String(argv.umask), 8);
    if (!Number.isInteger(umask) || umask < 0 || umask > 0o777) throw new Error(`--umask: not an octal mode: ${String(argv.umask)}`);
    const mountpoint = await prepareMountpoint(String(argv.mountpoint), logger);
    const daemon = await openDaemon(argv, logger);
    let mounted: Mounted;
    let control: ControlServer;
    try {
      mounted = await mount(daemon.app.vfs, mountpoint, {
        uid: typeof argv.uid === 'number' ? argv.uid : os.userInfo().uid,
        gid: typeof argv.gid === 'number' ? argv.gid : os.userInfo().gid,
        umask,
        allowOther: argv['allow-other'] === true,
        debug: argv['fuse-debug'] === true,
        posix: argv['posix-attrs'] !== false,
        readOnly: argv['read-only'] === true,
        logger,
        nativeBuildDir: path.join(DEFAULT_CACHE_DIR, 'native'),
      });
    } catch (err) {
      await daemon.app.close();
      throw err;
    }
    try {
      control = await startDaemonControl(daemon, argv, `mount ${mounted.mountpoint}`, { fuse: () => mounted.requestCounts() });
    } catch (err) {
      await mounted.unmount();
      await daemon.app.close();
      throw err;
    }
    process.stdout.write(`${MOUNTED_MESSAGE} ${mounted.mountpoint}\n`);
    process.exit(await runUntilStopped(daemon, { ended: mounted.unmountedElsewhere, stop: () => mounted.unmount() }, control));
  },
};
