// Mount table queries and unmounting through the system tools (fusermount for libfuse2 mounts,
// fusermount3, then umount), shared by `pdsfs mount` (stale mounts) and `pdsfs unmount`.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** True when mountpoint (an absolute, resolved path) is in this process's mount table. */
export async function isMounted(mountpoint: string): Promise<boolean> {
  const table = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return table.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === mountpoint);
}

/** A FUSE mount whose daemon died: the path is still mounted but every access fails with ENOTCONN. */
export async function isStaleMount(mountpoint: string): Promise<boolean> {
  try {
    await fs.stat(mountpoint);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOTCONN' || code === 'ECONNABORTED';
  }
}

/**
 * Unmounts with the first tool that succeeds. lazy detaches at once even while files are open
 * (needed for stale mounts); otherwise a busy mount fails with the tool's message.
 */
export async function unmountPath(mountpoint: string, opts: { lazy: boolean }): Promise<void> {
  const attempts: [string, string[]][] = [
    ['fusermount', opts.lazy ? ['-u', '-z', mountpoint] : ['-u', mountpoint]],
    ['fusermount3', opts.lazy ? ['-u', '-z', mountpoint] : ['-u', mountpoint]],
    ['umount', opts.lazy ? ['-l', mountpoint] : [mountpoint]],
  ];
  const failures: string[] = [];
  for (const [tool, args] of attempts) {
    try {
      await run(tool, args);
      return;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      failures.push(`${tool}: ${(e.stderr || e.message).trim()}`);
    }
  }
  throw new Error(`cannot unmount ${mountpoint}\n  ${failures.join('\n  ')}`);
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
