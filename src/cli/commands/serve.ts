// `pdsfs serve`: the WebDAV front-end. Without source options it serves the embedded local PDS
// server; without --user it uses a generated login stored (0600) next to the config file and prints
// it at start. Runs until SIGINT/SIGTERM, then stops serving, drains uploads and exits 0.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { readOption, yargsOptionsFor } from '../../config/option-values.js';
import { DEFAULT_CONFIG_FILE } from '../../config/options.js';
import type { ControlServer } from '../../control/server.js';
import type { AuthConfig } from '../../webdav/basic-auth.js';
import { loadOrCreateCredentials } from '../../webdav/credentials-file.js';
import type { WebDavServer } from '../../webdav/server.js';

export const CREDENTIALS_FILE = path.join(path.dirname(DEFAULT_CONFIG_FILE), 'webdav-credentials.json');

export const serveCommand: CommandModule = {
  command: 'serve',
  describe: 'Serve PDS drives and share links over WebDAV (Finder, Explorer, Office, rclone, browsers)',
  builder: (y) => y.options(yargsOptionsFor('serve')),
  handler: async (argv) => {
    // Loaded when the command runs, so that --help and --version start fast.
    const [{ daemonLogger, openDaemon, runUntilStopped, startDaemonControl }, { createWebDavServer }] = await Promise.all([import('../daemon.js'), import('../../webdav/server.js')]);
    const logger = daemonLogger(argv);
    const { auth, login } = resolveAuth(argv);
    const tls = readTls(argv);
    if (auth === 'none' && !['127.0.0.1', '::1', 'localhost'].includes(String(argv.host))) {
      logger.warn({ host: argv.host }, '--no-auth on an address other hosts can reach: anyone there can read and change the drives');
    }
    // WebDAV shows no inode numbers: the table of them would grow with every node listed.
    const daemon = await openDaemon(argv, logger, { inodeNumbers: false });
    let server: WebDavServer;
    let control: ControlServer;
    try {
      server = await createWebDavServer({
        vfs: daemon.app.vfs,
        host: readOption(argv, 'host')!,
        port: readOption(argv, 'port')!,
        auth,
        ...(tls ? { tls } : {}),
        readOnly: daemon.opts.readOnly,
        stateDir: webdavStateDir(daemon.app.cacheDir, daemon.opts.drive),
        logger,
      });
      process.stdout.write(`pdsfs WebDAV server: ${server.url}\n${login}`);
      control = await startDaemonControl(daemon, argv, `serve ${server.url}`);
    } catch (err) {
      await daemon.app.close();
      throw err;
    }
    process.exit(await runUntilStopped(daemon, { stopAccepting: () => server.close() }, control));
  },
};

function resolveAuth(argv: Record<string, unknown>): { auth: AuthConfig; login: string } {
  const str = (k: string) => (typeof argv[k] === 'string' && argv[k] !== '' ? (argv[k] as string) : undefined);
  if (argv.auth === false) return { auth: 'none', login: 'login: none (--no-auth)\n' };
  const htpasswdFile = str('htpasswd');
  if (htpasswdFile) return { auth: { htpasswdFile }, login: `login: users of ${htpasswdFile}\n` };
  const user = str('user');
  if (user) {
    const password = str('password');
    if (!password) throw new Error('--user needs --password (or the PDSFS_PASSWORD environment variable)');
    return { auth: { user, password }, login: `user: ${user}\n` };
  }
  const { credentials, created } = loadOrCreateCredentials(CREDENTIALS_FILE);
  // The password is printed only when it is made, so service logs (journald) never hold it.
  if (!created) return { auth: credentials, login: `user: ${credentials.user}\npassword: the one generated at first start (in ${CREDENTIALS_FILE})\n` };
  return { auth: credentials, login: `user: ${credentials.user}\npassword: ${credentials.password}\n(generated and saved in ${CREDENTIALS_FILE})\n` };
}

function readTls(argv: Record<string, unknown>): { cert: Buffer; key: Buffer } | undefined {
  const cert = argv['tls-cert'];
  const key = argv['tls-key'];
  if (cert === undefined && key === undefined) return undefined;
  if (typeof cert !== 'string' || typeof key !== 'string') throw new Error('--tls-cert and --tls-key go together');
  return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
}

/** WebDAV's own state (dead properties, Finder files), per served namespace within the source's cache. */
function webdavStateDir(sourceCacheDir: string, drive: string | undefined): string {
  const namespace = drive === undefined ? 'all' : `drive-${createHash('sha1').update(drive).digest('hex').slice(0, 12)}`;
  return path.join(sourceCacheDir, 'webdav', namespace);
}
