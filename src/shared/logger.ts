// Structured logging (pino). Tokens, passwords and signed URLs never reach the log: known secret keys
// are redacted by path, and `redactText` scrubs secrets embedded in messages (URLs with signatures).
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'access_token', 'refresh_token', 'share_token', 'share_pwd', 'password', 'client_secret', 'authorization',
  'accessToken', 'refreshToken', 'shareToken', 'sharePwd', 'clientSecret', 'x-share-token', 'assertion',
];

export interface LoggerOptions {
  level?: string;
  /** Log to this file instead of stderr. */
  file?: string;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const destination = opts.file ? pino.destination({ dest: opts.file, mkdir: true, sync: false }) : pino.destination(2);
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
