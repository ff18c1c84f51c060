// `pdsfs mount MOUNTPOINT`: the FUSE front-end. Runs in the foreground until SIGINT or SIGTERM (or an
// unmount from outside), then drains pending uploads with progress, unmounts and exits 0.
import os from 'node:os';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import type { ControlServer } from '../../control/server.js';
import { readOption, yargsOptionsFor } from '../../config/option-values.js';
import { DEFAULT_CACHE_DIR } from '../../config/options.js';
import type { Mounted } from '../../fuse/mount.js';

export const mountCommand: CommandModule = {
  command: 'mount <mountpoint>',
  describe: 'Mount PDS drives and share links as a local filesystem (FUSE)',
  builder: (y) =>
    y
      .positional('mountpoint', { type: 'string', describe: 'Directory to mount on (created if missing)' })
      .options(yargsOptionsFor('mount')),
  handler: async (argv) => {
    // Loaded when the command runs, so that --help and --version start fast.
    const [{ daemonLogger, openDaemon, runUntilStopped, startDaemonControl }, { mount, MOUNTED_MESSAGE, prepareMountpoint }] = await Promise.all([import('../daemon.js'), import('../../fuse/mount.js')]);
    const logger = daemonLogger(argv);
    const umask = readOption(argv, 'umask')!;
    const mountpoint = await prepareMountpoint(String(argv.mountpoint), logger);
    const daemon = await openDaemon(argv, logger);
    let mounted: Mounted;
    let control: ControlServer;
    try {
      mounted = await mount(daemon.app.vfs, mountpoint, {
        uid: readOption(argv, 'uid') ?? os.userInfo().uid,
        gid: readOption(argv, 'gid') ?? os.userInfo().gid,
        umask,
        allowOther: readOption(argv, 'allow-other')!,
        debug: readOption(argv, 'fuse-debug')!,
        posix: readOption(argv, 'posix-attrs')!,
        readOnly: daemon.opts.readOnly,
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
    process.exit(await runUntilStopped(daemon, { ended: mounted.unmountedElsewhere, stop: () => mounted.unmount(), openForWriting: () => mounted.openForWriting() }, control));
  },
};
