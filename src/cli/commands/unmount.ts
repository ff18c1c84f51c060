// `pdsfs unmount MOUNTPOINT`: unmounts a pdsfs mount (fusermount -u, then fusermount3 -u, then umount).
// The mount process notices, finishes its pending uploads and exits. A mount whose process died
// (stale, ENOTCONN) is detached lazily.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { isMounted, isStaleMount, unmountPath } from '../../fuse/fusermount.js';

export const unmountCommand: CommandModule = {
  command: 'unmount <mountpoint>',
  describe: 'Unmount a pdsfs mount (its process then finishes pending uploads and exits)',
  builder: (y) =>
    y
      .positional('mountpoint', { type: 'string', describe: 'The mounted directory' })
      .option('lazy', { type: 'boolean', default: false, describe: 'Detach now even while files are open (umount -l)' }),
  handler: async (argv) => {
    const given = String(argv.mountpoint);
    const mountpoint = await fs.realpath(given).catch(() => path.resolve(given));
    const stale = await isStaleMount(mountpoint);
    if (!stale && !(await isMounted(mountpoint))) throw new Error(`${mountpoint} is not mounted`);
    await unmountPath(mountpoint, { lazy: stale || argv.lazy === true });
    process.stdout.write(`pdsfs: unmounted ${mountpoint}\n`);
  },
};
