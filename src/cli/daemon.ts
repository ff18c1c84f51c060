// What serve and mount share as long-running daemons: a logger that remembers its last errors, the
// app, the control socket (for `pdsfs status` and `pdsfs cache clear`) with the optional status page,
// and the shutdown sequence: stop the front-end, drain uploads with progress, close.
import type { Arguments } from 'yargs';
import { type App, createApp } from '../app.js';
import { appOptionsFromArgv, loggerOptionsFromArgv } from '../config/app-options-from-argv.js';
import { createRecordingLogger } from '../control/log-events.js';
import { drainProgress } from '../control/progress.js';
import { type ControlOptions, type ControlServer, startControl } from '../control/server.js';
import { controlSocketPath } from '../control/socket-path.js';
import type { AppOptions } from '../app-options.js';
import type { Logger } from '../shared/logger.js';
import { startOptimizing } from './compilers.js';
import { collectAsDaemon } from './heap-growth.js';

export interface Daemon {
  app: App;
  opts: AppOptions;
  logger: Logger;
}

export function daemonLogger(argv: Arguments): Logger {
  return createRecordingLogger(loggerOptionsFromArgv(argv));
}

/** `frontEnd`: what the front-end asks of the app beyond the command line (serve: no inode numbers). */
export async function openDaemon(argv: Arguments, logger: Logger, frontEnd: Pick<AppOptions, 'inodeNumbers'> = {}): Promise<Daemon> {
  const opts = { ...appOptionsFromArgv(argv), ...frontEnd };
  let app: App | undefined;
  collectAsDaemon(() => app?.admin.status().blocks.fetchedBytes ?? 0);
  app = await createApp(opts, { logger });
  // The first lookup of any name at the root waits for its listing (a walk's first round trip): it is
  // fetched while the front-end starts instead.
  app.vfs.listAhead('/').catch((err: unknown) => logger.debug({ err }, 'listing the root at start failed'));
  return { app, opts, logger };
}

/** Starts the control socket, and the status page when --status-port is given; prints its URL. */
export async function startDaemonControl(daemon: Daemon, argv: Arguments, role: string, extra: Pick<ControlOptions, 'fuse'> = {}): Promise<ControlServer> {
  const port = typeof argv['status-port'] === 'number' ? argv['status-port'] : undefined;
  const control = await startControl(daemon.app, {
    socketPath: controlSocketPath(daemon.opts.cacheDir),
    logger: daemon.logger,
    role,
    ...extra,
    ...(port !== undefined ? { statusPage: { host: '127.0.0.1' as const, port } } : {}),
  });
  if (control.statusPageUrl) process.stdout.write(`status page: ${control.statusPageUrl}\n`);
  return control;
}

export interface FrontEnd {
  /** Resolves when the front-end went away by itself (e.g. an unmount from outside). */
  ended?: Promise<unknown>;
  /** Stops taking requests, before the drain. */
  stopAccepting?(): Promise<void>;
  /** Goes away for good, after the drain (e.g. unmount). */
  stop?(): Promise<void>;
  /** Files it holds open for writing: their uploads wait for them to be closed. */
  openForWriting?(): number;
}

/**
 * How long the steps after the drain may take before the stop goes on without them (ms): the
 * front-end's (an unmount waits up to LINGER_MS for writers still using the detached mount) and the
 * close (it uploads what was written during the stop, then closes the caches). A stop must end: one
 * past its limit is logged and the process exits 1; what waits for upload is in the journal, which
 * survives kill -9 and goes up at the next start.
 */
export interface StopLimits {
  frontEnd: number;
  close: number;
  /** How long a drain runs before it says, once, that it waits for files still open for writing. */
  writersNotice: number;
}

export const STOP_LIMITS: StopLimits = { frontEnd: 20_000, close: 30_000, writersNotice: 5_000 };

/**
 * Runs until SIGINT/SIGTERM (or the front-end ends), drains pending uploads with progress and closes
 * everything; returns the exit code. A second signal stops waiting: the uploads resume at next start.
 */
export async function runUntilStopped(daemon: Daemon, frontEnd: FrontEnd, control: ControlServer, limits: StopLimits = STOP_LIMITS): Promise<number> {
  const { app, logger } = daemon;
  // Started and serving: from here on the code that runs is the code that runs often.
  startOptimizing();
  const reason = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    void frontEnd.ended?.then(() => resolve('front-end ended'));
  });
  const forced = new Promise<false>((resolve) => {
    process.once('SIGINT', () => resolve(false));
    process.once('SIGTERM', () => resolve(false));
  });
  logger.info({ reason }, 'stopping: draining pending uploads');
  let code = 0;
  const attempt = async (what: string, step: (() => Promise<void>) | undefined, limitMs?: number) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      if (limitMs !== undefined) timer = setTimeout(() => resolve('late'), limitMs);
    });
    try {
      if ((await Promise.race([step?.(), late])) === 'late') {
        // What the step may wait on (a file system request in libuv's pool, a child process...), for a hang not understood yet.
        const waitingOn = process.getActiveResourcesInfo();
        logger.error({ limitMs, waitingOn }, `${what} did not finish in time: stopping without it; what waits for upload is kept and sent at the next start`);
        code = 1;
      }
    } catch (err) {
      logger.error({ err }, `${what} failed`);
      code = 1;
    } finally {
      clearTimeout(timer);
    }
  };
  await attempt('stopping the front-end', frontEnd.stopAccepting);
  if (!app.reachability.online && !(await app.reachability.check())) {
    // Nothing can be uploaded now; all of it is in the journal for the next start.
    const { pendingFiles } = app.admin.status();
    logger.warn({ uploads: pendingFiles, changes: app.admin.offline().changes.pending }, 'PDS is unreachable: what waits is kept and sent at the next start');
    await attempt('stopping the front-end', frontEnd.stop, limits.frontEnd);
    await attempt('closing the control socket', () => control.close());
    await attempt('closing the cache', () => app.close(), limits.close);
    return code;
  }
  const progress = drainProgress();
  const drain = app.vfs.drain((files, bytes) => progress.update(files, bytes)).then(
    () => true as const,
    (err: unknown) => {
      logger.error({ err }, 'draining uploads failed');
      return false as const;
    },
  );
  // A writer that keeps a file open keeps the drain waiting (its upload starts at its close): say so.
  const writersNotice = setInterval(() => {
    const files = frontEnd.openForWriting?.() ?? 0;
    if (files === 0 || app.admin.status().pendingFiles === 0) return;
    clearInterval(writersNotice);
    logger.warn({ files }, 'waiting for files still open for writing: each is uploaded once closed; a second signal stops now, and they go up at the next start');
  }, limits.writersNotice);
  const drained = await Promise.race([drain, forced]).finally(() => clearInterval(writersNotice));
  progress.done();
  await attempt('stopping the front-end', frontEnd.stop, limits.frontEnd);
  await attempt('closing the control socket', () => control.close());
  if (!drained) {
    logger.warn('stopped before all uploads finished: they resume at the next start');
    return 1;
  }
  const { failedFiles } = app.admin.status();
  if (failedFiles > 0) logger.error({ failedFiles }, 'some uploads failed for good: their content is kept in the recovery folder of the cache');
  await attempt('closing the cache', () => app.close(), limits.close);
  return code;
}
