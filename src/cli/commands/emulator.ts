// `pdsfs emulator`: runs the local PDS server on a data dir until SIGINT/SIGTERM, and prints its
// endpoint and a development account (one JSON line on stdout with --json). Logs go to stderr.
import fs from 'node:fs';
import type { CommandModule, Options } from 'yargs';
import { DEFAULT_DATA_DIR, optionsFor, parseSize } from '../../config/options.js';
import type { DevAccount } from '../../emulator/index.js';
// The profiles' table only (no server code), so that --help and --version stay fast.
import { NET_PROFILES, type NetProfile } from '../../emulator/faults.js';

interface EmulatorArgs {
  host: string;
  port: number;
  'data-dir': string;
  json: boolean;
  'token-ttl'?: number;
  'refresh-token-ttl'?: number;
  'cursor-ttl'?: number;
  'jwt-public-key'?: string;
  'drive-quota'?: string;
  'fault-5xx-rate': number;
  'fault-429-rate': number;
  'fault-latency-ms'?: number;
  'net-rate-per-connection'?: string;
  'net-profile'?: NetProfile;
  'fault-drop-rate': number;
  'fault-stall-rate': number;
  'fault-async-rate': number;
  'fault-async-delay-ms'?: number;
  'fault-admin': boolean;
  'log-level': string;
  'log-format': string;
  'log-file': string | undefined;
}

const LOG_OPTIONS = optionsFor('log') as { 'log-level': Options & { type: 'string'; default: string }; 'log-format': Options & { type: 'string'; default: string }; 'log-file': Options & { type: 'string' } };

function describeAccount(a: DevAccount): string {
  const rows: [string, string][] = [
    ['endpoint', a.endpoint], ['domain_id', a.domain_id], ['user_id', a.user_id], ['drive_id', a.drive_id],
    ['team_drive_id', a.team_drive_id], ['client_id', a.client_id], ['client_secret', a.client_secret],
    ['access_token', a.access_token], ['refresh_token', a.refresh_token],
  ];
  return `pdsfs local PDS server (development account)\n${rows.map(([k, v]) => `  ${k.padEnd(14)} ${v}`).join('\n')}\n`;
}

export const emulatorCommand: CommandModule<object, EmulatorArgs> = {
  command: 'emulator',
  describe: 'Run the local PDS server (the embedded default, and what the tests talk to)',
  builder: (y) =>
    y.options({
      ...LOG_OPTIONS,
      host: { type: 'string', default: '127.0.0.1', describe: 'Address to bind' },
      port: { type: 'number', default: 8090, describe: 'Port to listen on (0 = any free port)' },
      'data-dir': { type: 'string', default: DEFAULT_DATA_DIR, describe: 'Store: SQLite metadata and content blobs' },
      json: { type: 'boolean', default: false, describe: 'Print the endpoint and account as one JSON line' },
      'token-ttl': { type: 'number', describe: 'Access-token lifetime in seconds (default 7200)' },
      'refresh-token-ttl': { type: 'number', describe: 'Refresh-token lifetime in seconds (default 604800, 7 days)' },
      'cursor-ttl': { type: 'number', describe: 'Change-feed cursor lifetime in seconds after it was handed out (default 604800)' },
      'jwt-public-key': { type: 'string', describe: 'PEM file with the RSA public key of the JWT application (enables the jwt-bearer grant)' },
      'drive-quota': { type: 'string', describe: 'total_size of drives created in a new store, e.g. 100G' },
      'fault-5xx-rate': { type: 'number', default: 0, describe: 'Share of requests answered 500/503 (0..1)' },
      'fault-429-rate': { type: 'number', default: 0, describe: 'Share of requests answered 429 TooManyRequests (0..1)' },
      'fault-latency-ms': { type: 'number', describe: 'Delay added to every request, in ms (default 0, or the profile\'s)' },
      'net-rate-per-connection': { type: 'string', describe: 'Bandwidth of each TCP connection for downloads, part uploads and API answers, e.g. 16M (bytes/s; default unlimited, or the profile\'s)' },
      'net-profile': { choices: Object.keys(NET_PROFILES) as NetProfile[], describe: 'Network preset: wan = 40 ms per request and 16 MiB/s per connection; the two options above override it' },
      'fault-drop-rate': { type: 'number', default: 0, describe: 'Share of data transfers cut mid-body (0..1)' },
      'fault-stall-rate': { type: 'number', default: 0, describe: 'Share of downloads that go silent mid-body, connection open (0..1)' },
      'fault-async-rate': { type: 'number', default: 0, describe: 'Share of moves, trashes, deletes and restores answered with an async_task_id and applied a little later (0..1)' },
      'fault-async-delay-ms': { type: 'number', describe: 'How long such an async task runs before its change applies, in ms (default 200)' },
      'fault-admin': { type: 'boolean', default: false, describe: 'Expose /admin/faults and /admin/stats to change faults at run time' },
    }),
  handler: async (argv) => {
    // Loaded when the command runs, so that --help and --version start fast.
    const [{ Emulator }, { createLogger }, { loggerOptionsFromArgv }] = await Promise.all([
      import('../../emulator/index.js'),
      import('../../shared/logger.js'),
      import('../../config/app-options-from-argv.js'),
    ]);
    const log = createLogger(loggerOptionsFromArgv(argv));
    const emu = await Emulator.start({
      dataDir: argv['data-dir'],
      host: argv.host,
      port: argv.port,
      logger: log,
      adminApi: argv['fault-admin'],
      faults: {
        rate5xx: argv['fault-5xx-rate'], rate429: argv['fault-429-rate'], dropRate: argv['fault-drop-rate'], stallRate: argv['fault-stall-rate'],
        asyncRate: argv['fault-async-rate'],
        ...(argv['fault-async-delay-ms'] !== undefined ? { asyncDelayMs: argv['fault-async-delay-ms'] } : {}),
        ...(argv['net-profile'] ? { netProfile: argv['net-profile'] } : {}),
        ...(argv['fault-latency-ms'] !== undefined ? { latencyMs: argv['fault-latency-ms'] } : {}),
        ...(argv['net-rate-per-connection'] !== undefined ? { netRatePerConnection: parseSize(argv['net-rate-per-connection']) } : {}),
      },
      ...(argv['token-ttl'] !== undefined ? { tokenTtlSec: argv['token-ttl'] } : {}),
      ...(argv['refresh-token-ttl'] !== undefined ? { refreshTokenTtlSec: argv['refresh-token-ttl'] } : {}),
      ...(argv['cursor-ttl'] !== undefined ? { cursorTtlSec: argv['cursor-ttl'] } : {}),
      ...(argv['jwt-public-key'] ? { jwtPublicKeyPem: fs.readFileSync(argv['jwt-public-key'], 'utf8') } : {}),
      ...(argv['drive-quota'] ? { driveQuotaBytes: parseSize(argv['drive-quota']) } : {}),
    });
    const account = emu.devAccount();
    process.stdout.write(argv.json ? `${JSON.stringify(account)}\n` : describeAccount(account));
    log.info({ endpoint: emu.endpoint, dataDir: argv['data-dir'] }, 'local PDS server listening');
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    log.info({ signal }, 'local PDS server stopping');
    await emu.close();
  },
};
