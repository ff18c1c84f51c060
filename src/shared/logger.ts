// Structured logging (pino). Tokens, passwords and signed URLs never reach the log: known secret keys
// are redacted by path, and `redactText` scrubs secrets embedded in messages (URLs with signatures).
// On a terminal each event is one readable line (pino-pretty); elsewhere, and in a file, JSON lines.
// Both are made from the same redacted JSON line, so both hold the same (no) secrets.
import { createRequire } from 'node:module';
import { type DestinationStream, pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogFormat } from './log-format.js';

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'access_token', 'refresh_token', 'share_token', 'share_pwd', 'password', 'client_secret', 'authorization',
  'accessToken', 'refreshToken', 'shareToken', 'sharePwd', 'clientSecret', 'x-share-token', 'assertion',
];

export { LOG_FORMATS, type LogFormat } from './log-format.js';

export interface LoggerOptions {
  level?: string;
  /** Log to this file instead of stderr. */
  file?: string;
  format?: LogFormat;
}

/** Whether events are written as readable lines rather than JSON. */
export function readableLogs(format: LogFormat, file: string | undefined, stderrIsTerminal: boolean): boolean {
  return format === 'auto' ? file === undefined && stderrIsTerminal : format === 'pretty';
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const json = opts.file ? pino.destination({ dest: opts.file, mkdir: true, sync: false }) : pino.destination(2);
  const toTerminal = opts.file === undefined && process.stderr.isTTY === true;
  const destination = readableLogs(opts.format ?? 'auto', opts.file, toTerminal) ? readableLines(json, toTerminal) : json;
  return pino(
    {
      level: opts.level ?? 'info',
      redact: { paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), 'headers.authorization', 'req.headers.authorization'], censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
      formatters: { log: (obj) => scrubObject(obj) },
    },
    destination,
  );
}

/**
 * One readable line per event (time, level, message, then the other fields), written synchronously
 * in this thread: no worker, and nothing is lost when the process exits right after logging.
 */
function readableLines(out: DestinationStream, colorize: boolean): DestinationStream {
  // Loaded only when used (pino-pretty is CommonJS): JSON logging does not carry it.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const prettify = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true });
  return { write: (line: string) => out.write(prettify(line)) };
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const SIGNED_QUERY = /([?&](?:signature|sig|x-oss-signature|Signature|token|access_token|share_token|x-oss-credential)=)[^&\s"']+/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

/** Removes signatures and bearer tokens from free text. */
export function redactText(text: string): string {
  return text.replace(SIGNED_QUERY, '$1[redacted]').replace(BEARER, '$1[redacted]');
}

function scrubObject(obj: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') obj[k] = redactText(v);
  return obj;
}
