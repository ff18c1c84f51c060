// `pdsfs emulator`: runs the local PDS server on a data dir until SIGINT/SIGTERM, and prints its
// endpoint and a development account (one JSON line on stdout with --json). Logs go to stderr.
import fs from 'node:fs';
import type { CommandModule } from 'yargs';
import { readOption, yargsOptionsFor } from '../../config/option-values.js';
import type { DevAccount } from '../../emulator/index.js';
import type { NetProfile } from '../../emulator/faults.js';
import { startOptimizing } from '../compilers.js';

function describeAccount(a: DevAccount): string {
  const rows: [string, string][] = [
    ['endpoint', a.endpoint], ['domain_id', a.domain_id], ['user_id', a.user_id], ['drive_id', a.drive_id],
    ['team_drive_id', a.team_drive_id], ['client_id', a.client_id], ['client_secret', a.client_secret],
    ['access_token', a.access_token], ['refresh_token', a.refresh_token],
  ];
  return `pdsfs local PDS server (development account)\n${rows.map(([k, v]) => `  ${k.padEnd(14)} ${v}`).join('\n')}\n`;
}

export const emulatorCommand: CommandModule = {
  command: 'emulator',
  describe: 'Run the local PDS server (the embedded default, and what the tests talk to)',
  builder: (y) => y.options({ ...yargsOptionsFor('emulator'), json: { type: 'boolean', default: false, describe: 'Print the endpoint and account as one JSON line' } }),
  handler: async (argv) => {
    // Loaded when the command runs, so that --help and --version start fast.
    const [{ Emulator }, { createLogger }, { loggerOptionsFromArgv }] = await Promise.all([
      import('../../emulator/index.js'),
      import('../../shared/logger.js'),
      import('../../config/app-options-from-argv.js'),
    ]);
    const log = createLogger(loggerOptionsFromArgv(argv));
    const [latencyMs, asyncDelayMs, netRatePerConnection, netProfile] = [
      readOption(argv, 'fault-latency-ms'), readOption(argv, 'fault-async-delay-ms'), readOption(argv, 'net-rate-per-connection'), readOption(argv, 'net-profile') as NetProfile | undefined,
    ];
    const [tokenTtlMs, refreshTokenTtlMs, cursorTtlMs] = [readOption(argv, 'token-ttl'), readOption(argv, 'refresh-token-ttl'), readOption(argv, 'cursor-ttl')];
    const jwtPublicKey = readOption(argv, 'jwt-public-key');
    const driveQuotaBytes = readOption(argv, 'drive-quota');
    const dataDir = readOption(argv, 'data-dir')!;
    const emu = await Emulator.start({
      dataDir,
      host: readOption(argv, 'host')!,
      port: readOption(argv, 'port')!,
      logger: log,
      adminApi: readOption(argv, 'fault-admin')!,
      faults: {
        rate5xx: readOption(argv, 'fault-5xx-rate')!, rate429: readOption(argv, 'fault-429-rate')!, dropRate: readOption(argv, 'fault-drop-rate')!,
        stallRate: readOption(argv, 'fault-stall-rate')!, asyncRate: readOption(argv, 'fault-async-rate')!,
        ...(asyncDelayMs !== undefined ? { asyncDelayMs } : {}),
        ...(netProfile ? { netProfile } : {}),
        ...(latencyMs !== undefined ? { latencyMs } : {}),
        ...(netRatePerConnection !== undefined ? { netRatePerConnection } : {}),
      },
      ...(tokenTtlMs !== undefined ? { tokenTtlMs } : {}),
      ...(refreshTokenTtlMs !== undefined ? { refreshTokenTtlMs } : {}),
      ...(cursorTtlMs !== undefined ? { cursorTtlMs } : {}),
      ...(jwtPublicKey ? { jwtPublicKeyPem: fs.readFileSync(jwtPublicKey, 'utf8') } : {}),
      ...(driveQuotaBytes ? { driveQuotaBytes } : {}),
    });
    const account = emu.devAccount();
    process.stdout.write(argv.json ? `${JSON.stringify(account)}\n` : describeAccount(account));
    log.info({ endpoint: emu.endpoint, dataDir }, 'local PDS server listening');
    startOptimizing();
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    log.info({ signal }, 'local PDS server stopping');
    await emu.close();
  },
};
