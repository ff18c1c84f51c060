// Runs `pdsfs mount` as a child process so a hung FUSE request can never hang the test runner, and
// makes sure every mount is gone when the tests end (even when the runner is interrupted).
// Beware: when the local PDS server runs in the test process, node:fs calls on the mount occupy its
// libuv pool while they wait for the server; run parallel I/O on the mount in child processes, and
// never spawn a child with its cwd on the mount (spawn blocks this process until the child's chdir,
// which needs the server): cd inside a shell instead.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { constants as fsc, accessSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runningDaemons } from '../../src/control/client.js';
import { MOUNTED_MESSAGE } from '../../src/fuse/mount.js';
import { BIN_ENV, pdsfsArgs } from '../helpers/cli.js';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const START_LIMIT_MS = 60_000;
const STOP_LIMIT_MS = 60_000;

/** Why FUSE tests cannot run here, or undefined when they can. */
export function fuseUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'FUSE tests need Linux';
  try {
    accessSync('/dev/fuse', fsc.R_OK | fsc.W_OK);
  } catch {
    return '/dev/fuse is missing or not accessible';
  }
  try {
    execFileSync('fusermount', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'fusermount is not installed';
  }
  return undefined;
}

export interface MountSource {
  endpoint: string;
  accessToken: string;
  cacheDir: string;
}

export interface MountProcess {
  readonly mnt: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** SIGTERM (drain uploads, unmount), waiting for the exit code. */
  stop(): Promise<number | null>;
  /** kill -9: leaves a stale mount behind, as a crash would. */
  crash(): Promise<void>;
}

const live = new Set<MountProcess>();

/** Lazy unmount of whatever is left; synchronous so it also works from an 'exit' handler. */
function forceUnmount(mnt: string): void {
  for (const [tool, args] of [['fusermount', ['-uz', mnt]], ['umount', ['-l', mnt]]] as const) {
    try {
      execFileSync(tool, [...args], { stdio: 'ignore' });
      return;
    } catch {
      // not mounted, or the next tool may manage
    }
  }
}

function cleanUp(): void {
  for (const m of live) {
    m.child.kill('SIGKILL');
    forceUnmount(m.mnt);
  }
}
process.on('exit', cleanUp);
// The test runner cancels a file that runs past its time limit with a signal, which skips 'exit'.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.kill(process.pid, signal);
  });
}

export async function startMount(source: MountSource, mnt: string, args: string[] = []): Promise<MountProcess> {
  // Defaults for tests; args may override each (yargs would turn a repeated flag into an array).
  const defaults = Object.entries({ '--write-back': '0', '--poll-interval': '3600', '--log-level': 'warn' })
    .filter(([flag]) => !args.includes(flag))
    .flat();
  const child = spawn(
    process.execPath,
    pdsfsArgs('mount', mnt, '--endpoint', source.endpoint, '--cache-dir', source.cacheDir, ...defaults, ...args),
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...BIN_ENV, PDSFS_ACCESS_TOKEN: source.accessToken } },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const proc: MountProcess = {
    mnt,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(STOP_LIMIT_MS).then(() => 'timeout' as const)]);
      live.delete(proc);
      if (code === 'timeout') {
        // Where it hangs: the control socket answers until the drain ends, then closes.
        const status = await Promise.race([
          runningDaemons(source.cacheDir).then((d) => (d[0] ? JSON.stringify({ uploads: d[0].status.uploads, pds: d[0].status.pds }) : 'no daemon answers')),
          sleep(5000).then(() => 'the control socket did not answer in 5 s'),
        ]).catch((err: Error) => err.message);
        const threads = await whereStuck(child.pid!);
        child.kill('SIGKILL');
        forceUnmount(mnt);
        throw new Error(`mount process did not stop in time (its status then: ${status}; its threads then: ${threads}):\n${out}`);
      }
      return code;
    },
    async crash() {
      child.kill('SIGKILL');
      await exited;
      live.delete(proc);
    },
  };
  live.add(proc);

  const ready = await Promise.race([
    waitFor(() => out.includes(MOUNTED_MESSAGE)).then(() => 'mounted' as const),
    exited.then(() => 'exited' as const),
    sleep(START_LIMIT_MS).then(() => 'timeout' as const),
  ]);
  if (ready !== 'mounted') {
    child.kill('SIGKILL');
    forceUnmount(mnt);
    live.delete(proc);
    throw new Error(`mount did not come up (${ready}):\n${out}`);
  }
  return proc;
}

/**
 * Where a process waits: each thread's name, state and kernel wait channel (a libfuse thread in
 * fuse_dev_do_read, a sem wait in futex_wait...), and its children (a fusermount that never ended).
 */
async function whereStuck(pid: number): Promise<string> {
  try {
    const tasks = await fs.readdir(`/proc/${pid}/task`);
    const threads = await Promise.all(tasks.map(async (t) => {
      const [comm, wchan, stat] = await Promise.all(['comm', 'wchan', 'stat'].map((f) => fs.readFile(`/proc/${pid}/task/${t}/${f}`, 'utf8').catch(() => '?')));
      return `${comm!.trim()} ${stat!.slice(stat!.lastIndexOf(')') + 2, stat!.lastIndexOf(')') + 3)} ${wchan}`;
    }));
    const children = (await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim();
    const named = await Promise.all(children.split(' ').filter(Boolean).map(async (c) => `${c} ${(await fs.readFile(`/proc/${c}/cmdline`, 'utf8').catch(() => '?')).replaceAll('\0', ' ').trim()}`));
    return `${threads.join(', ')}; children: ${named.join(', ') || 'none'}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Stops every mount still running (after hooks), unmounting by force where a stop fails. */
export async function stopAll(): Promise<void> {
  for (const m of [...live]) {
    await m.stop().catch(() => forceUnmount(m.mnt));
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `pdsfs-${prefix}-`));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await sleep(50);
}

export { eventually } from '../helpers/eventually.js';

let python: Promise<string> | undefined;

/**
 * python3's own executable, asked once per process: started through a version manager's shim (pyenv's
 * on this machine: 0.45 CPU-s and a second of wall time a start, against 0.02), every xattr poll paid it.
 */
export function python3(): Promise<string> {
  python ??= run('python3', ['-c', 'import sys; sys.stdout.write(sys.executable)']).then(({ stdout }) => stdout);
  return python;
}

/** Reads an extended attribute (Node has no xattr API). Asynchronous: the local PDS server may live in this process. */
export async function getXattr(file: string, name: string): Promise<string> {
  const { stdout } = await run(await python3(), ['-c', 'import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2]).decode())', file, name]);
  return stdout;
}
