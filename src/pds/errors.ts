// PdsError: one error type for everything that goes wrong talking to PDS, parsed from the three
// shapes the service uses (JSON {code,message}, gateway x-ca-error-* headers, OSS XML on signed URLs)
// or from a network failure. Shaped like the official SDK's PDSError (status, code, message, requestId, type).

import { TranslatableError, VfsError } from '../core/errors.js';
import { vfsCodeOf } from './error-map.js';

export type PdsErrorType = 'ClientError' | 'ServerError';

export interface PdsErrorInit {
  status: number;
  code: string;
  message: string;
  requestId?: string;
  /** Server hint (x-retry-after ms or Retry-After s), in ms. */
  retryAfterMs?: number;
  /** False when the request surely never reached the server (connect failure). */
  sent?: boolean;
  cause?: unknown;
}

/** Network error codes that mean the request never left this machine / never reached the server. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT']);

export class PdsError extends TranslatableError {
  override readonly name = 'PdsError';
  /** HTTP status; 0 for network errors (no response). */
  readonly status: number;
  readonly code: string;
  readonly requestId: string;
  readonly type: PdsErrorType;
  readonly retryAfterMs: number | undefined;
  /** False only when the request surely never reached the server. */
  readonly sent: boolean;

  constructor(init: PdsErrorInit) {
    super(init.message || init.code, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? '';
    this.type = init.status >= 400 && init.status < 500 ? 'ClientError' : 'ServerError';
    this.retryAfterMs = init.retryAfterMs;
    this.sent = init.sent ?? true;
  }

  /** Transient by nature: throttling, server trouble, network. Whether to retry also depends on idempotency. */
  get retryable(): boolean {
    // HostDown: the reachability tracker already knows; waiting here would only delay the answer.
    if (this.code === 'Aborted' || this.code === 'HostDown') return false;
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }

  /** No answer because the server cannot be reached at all (refused, no route, no DNS answer). */
  get isUnreachable(): boolean {
    return this.status === 0 && UNSENT_CODES.has(this.code);
  }

  /** ForbiddenNoPermission(.File): this user may not change that entry (its action_list says so too). */
  get refusesPermission(): boolean {
    return this.code === 'ForbiddenNoPermission' || this.code.startsWith('ForbiddenNoPermission.');
  }

  get isTimeout(): boolean {
    return TIMEOUT_CODES.has(this.code) || this.code === 'D504TO' || this.status === 504;
  }

  /** Its filesystem meaning (error-map.ts); the message names the PDS code and the request. */
  toVfsError(path?: string): VfsError {
    const rid = this.requestId ? ` (request ${this.requestId})` : '';
    return new VfsError(vfsCodeOf(this), `${this.code}: ${this.message}${rid}`, path, { cause: this });
  }

  static is(err: unknown, code?: string): err is PdsError {
    return err instanceof PdsError && (code === undefined || err.code === code || err.code.startsWith(`${code}.`));
  }
}

type Headers = Record<string, unknown>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  if (Array.isArray(v)) return v[0] === undefined ? undefined : String(v[0]);
  return v === undefined || v === null ? undefined : String(v);
}

/** x-retry-after is milliseconds (open platform); Retry-After is seconds or an HTTP date. */
export function retryAfterFromHeaders(headers: Headers): number | undefined {
  const ms = header(headers, 'x-retry-after');
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = header(headers, 'retry-after');
  if (ra === undefined) return undefined;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function xmlTag(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'i').exec(xml);
  return m?.[1]?.trim();
}

/** Builds a PdsError from a non-2xx answer, whatever shape its body has. */
export function pdsErrorFromResponse(status: number, headers: Headers, body: unknown): PdsError {
  const requestId = header(headers, 'x-ca-request-id') ?? header(headers, 'x-oss-request-id');
  const retryAfterMs = retryAfterFromHeaders(headers);
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : undefined;
  let json: Record<string, unknown> | undefined;
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) json = body as Record<string, unknown>;
  else if (text !== undefined && text.trimStart().startsWith('{')) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  const base = { status, retryAfterMs };
  if (json && (json.code ?? json.Code)) {
    return new PdsError({
      ...base,
      code: String(json.code ?? json.Code),
      message: String(json.message ?? json.Message ?? ''),
      requestId: requestId ?? String(json.request_id ?? json.RequestId ?? json.requestId ?? ''),
    });
  }
  const gatewayCode = header(headers, 'x-ca-error-code');
  if (gatewayCode) {
    return new PdsError({ ...base, code: gatewayCode, message: header(headers, 'x-ca-error-message') ?? gatewayCode, requestId });
  }
  if (text !== undefined && /<Error>/i.test(text)) {
    return new PdsError({
      ...base,
      code: xmlTag(text, 'Code') ?? `Http${status}`,
      message: xmlTag(text, 'Message') ?? '',
      requestId: requestId ?? xmlTag(text, 'RequestId'),
    });
  }
  return new PdsError({ ...base, code: `Http${status}`, message: (text ?? '').slice(0, 200) || `HTTP ${status}`, requestId });
}

/** Builds a PdsError from a failure without an HTTP answer (connect error, reset, timeout, abort). */
export function pdsErrorFromNetwork(err: unknown, socketReused = false): PdsError {
  if (err instanceof PdsError) return err;
  const e = err as { code?: string; message?: string; name?: string };
  if (e?.name === 'AbortError' || e?.name === 'CanceledError' || e?.code === 'ERR_CANCELED' || e?.code === 'ABORT_ERR') {
    return new PdsError({ status: 0, code: 'Aborted', message: 'request aborted', sent: true, cause: err });
  }
  let code = e?.code ?? 'NetworkError';
  if (code === 'ECONNABORTED' && /timeout/i.test(e?.message ?? '')) code = 'ETIMEDOUT';
  // A keep-alive socket closed by the server just as we reused it: the request never got processed
  // (the case Node's docs recommend retrying).
  const unsent = UNSENT_CODES.has(code) || (socketReused && code === 'ECONNRESET');
  return new PdsError({ status: 0, code, message: e?.message ?? String(err), sent: !unsent, cause: err });
}
