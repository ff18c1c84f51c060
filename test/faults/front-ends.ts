// The two front-ends behind one interface for the fault-tolerance suite, each driven by the tools a
// user would use: `pdsfs serve` with curl (MKCOL, PUT and GET, 8 at a time), `pdsfs mount` with
// rsync, cp and sha1sum. Each test file gets its own faulty local PDS server and temp dir.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before } from 'node:test';
import { startMount, stopAll, tempDir } from '../fuse/harness.js';
import { bashScript } from '../helpers/bash.js';
import {
  curlGetSha1, curlMany, curlPutFile, dav, type FaultyServer, sha1sum, startFaultyServer, startServe, type TreeFile, treeDirs, urlPath,
} from './support.js';

const run = promisify(execFile);

/** What a test file works with: the server, a temp dir, and a pdsfs config file holding a refresh token. */
export interface FaultEnv {
  server: FaultyServer;
  work: string;
  config: string;
}

/** Registers before/after hooks that start and remove a FaultEnv; its fields are set once `before` ran. */
export function useFaultEnv(name: string): FaultEnv {
  const env = {} as FaultEnv;
  before(async () => {
    env.server = await startFaultyServer();
    env.work = await tempDir(`faults-${name}`);
    env.config = path.join(env.work, 'config.json');
    await env.server.writeConfig(env.config);
  });
  after(async () => {
    await stopAll();
    await env.server?.close();
    if (env.work) await fs.rm(env.work, { recursive: true, force: true });
  });
  return env;
}

/** A running serve or mount process. */
export interface Daemon {
  cacheDir: string;
  output(): string;
  /** SIGTERM: drains uploads, then exits; resolves the exit code. */
  stop(): Promise<number | null>;
  /** kill -9. */
  crash(): Promise<void>;
}

/** Paths are relative to the drive's root (served and mounted with --drive). */
export interface FrontEnd {
  readonly name: string;
  /** Starts the daemon on a cache dir (under the env's work dir); args override the defaults. */
  start(cache: string, args?: string[]): Promise<Daemon>;
  /** Creates folder `dest` (its parent exists) and in it every folder of a test tree (support.ts treeDirs). */
  treeFolders(dest: string): Promise<void>;
  /** Copies the local tree `src` of `files` into `dest`, whose folders exist. */
  treeIn(src: string, files: TreeFile[], dest: string): Promise<void>;
  /** Copies folder `from` of the drive to the local folder `out`. */
  treeOut(from: string, files: TreeFile[], out: string): Promise<void>;
  mkdir(folder: string): Promise<void>;
  /** Copies a local file in; resolves once the client was told it is written (201, close returned). */
  fileIn(local: string, rel: string): Promise<void>;
  /** sha1 of a file read through the front-end, streamed. */
  fileSha1(rel: string): Promise<string>;
}

/** Defaults as flag → value, overridden by the same flag in args (yargs would make a repeated flag an array). */
function withDefaults(defaults: Record<string, string>, args: string[]): string[] {
  return [...Object.entries(defaults).filter(([flag]) => !args.includes(flag)).flat(), ...args];
}

const DAEMON_DEFAULTS = { '--write-back': '2', '--cache-max-size': '256M' };

export function webdav(env: FaultEnv): FrontEnd {
  let url = '';
  const mkcol = async (folder: string) => assert.equal(await dav('MKCOL', `${url}${urlPath(folder)}/`), 201, `MKCOL ${folder}`);
  return {
    name: 'WebDAV',
    async start(cache, args = []) {
      const s = await startServe(env.server, env.config, path.join(env.work, cache), withDefaults(DAEMON_DEFAULTS, args));
      url = s.url;
      return s;
    },
    async treeFolders(dest) {
      for (const d of [dest, ...treeDirs().map((x) => `${dest}/${x}`)]) await mkcol(d);
    },
    async treeIn(src, files, dest) {
      const puts = await curlMany(files.map((f) => ({ url: url + urlPath(`${dest}/${f.rel}`), upload: path.join(src, f.rel) })), 8, env.work);
      assert.equal(puts.length, files.length, 'curl reported every transfer');
      assert.deepEqual(puts.filter((p) => p.status !== 201), [], 'every PUT answered 201');
    },
    async treeOut(from, files, out) {
      const gets = await curlMany(files.map((f) => ({ url: url + urlPath(`${from}/${f.rel}`), output: path.join(out, f.rel) })), 8, env.work);
      assert.equal(gets.length, files.length, 'curl reported every transfer');
      assert.deepEqual(gets.filter((g) => g.status !== 200), [], 'every GET answered 200');
    },
    mkdir: mkcol,
    async fileIn(local, rel) {
      assert.equal(await curlPutFile(url + urlPath(rel), local), 201, `PUT ${rel}`);
    },
    async fileSha1(rel) {
      const got = await curlGetSha1(url + urlPath(rel));
      assert.equal(got.status, 200, `GET ${rel}`);
      return got.sha1;
    },
  };
}

/**
 * The mount is only ever touched by child processes, and the shell changes into it (never spawn's
 * cwd): the local PDS server runs in this process, and spawn blocks it until the child's chdir,
 * which needs the server — a deadlock until the mount's 30 s op limit answers ETIMEDOUT.
 */
export function fuse(env: FaultEnv): FrontEnd {
  const mnt = () => path.join(env.work, 'mnt');
  return {
    name: 'FUSE',
    start(cache, args = []) {
      const source = { endpoint: env.server.emu.endpoint, accessToken: '', cacheDir: path.join(env.work, cache) };
      const flags = withDefaults({ '--drive': env.server.driveId, '--config': env.config, ...DAEMON_DEFAULTS }, args);
      return startMount(source, mnt(), flags).then((m) => ({ cacheDir: source.cacheDir, output: m.output, stop: m.stop, crash: m.crash }));
    },
    async treeFolders(dest) {
      await run('mkdir', [`${mnt()}/${dest}`, ...treeDirs().map((x) => `${mnt()}/${dest}/${x}`)]);
    },
    async treeIn(src, _files, dest) {
      await run('rsync', ['-a', `${src}/`, `${mnt()}/${dest}/`]);
    },
    async treeOut(from, _files, out) {
      // 8 cp processes at a time; folders are made first so that they never race.
      const { stdout } = await run('bash', bashScript('cd "$1" && find . -type d', 'dirs', `${mnt()}/${from}`), { maxBuffer: 1 << 20 });
      for (const d of stdout.split('\n').filter(Boolean)) await fs.mkdir(path.join(out, d), { recursive: true });
      await run('bash', bashScript('set -o pipefail; cd "$1" && find . -type f -print0 | xargs -0 -P 8 -n 25 cp --parents -t "$2"', 'copy-out', `${mnt()}/${from}`, out));
    },
    async mkdir(folder) {
      await run('mkdir', [`${mnt()}/${folder}`]);
    },
    async fileIn(local, rel) {
      await run('cp', [local, `${mnt()}/${rel}`]);
    },
    fileSha1: (rel) => sha1sum(`${mnt()}/${rel}`),
  };
}
