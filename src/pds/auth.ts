// Access-token sources: a fixed token, the refresh-token grant (rotating pairs shared through a
// token store) and the JWT-application grant. Refreshes happen shortly before expiry and once when
// the server rejects a token; concurrent refreshes share one request.
import { createHash } from 'node:crypto';
import type { Logger } from '../shared/logger.js';
import { PdsError } from './errors.js';
import type { PdsToken } from './wire-types.js';
import type { AccessTokenProvider, PdsHttp } from './http.js';
import { buildJwtAssertion, type JwtAppCredentials } from './jwt.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** POST /v2/oauth/token (form-encoded, no bearer). */
export class OAuthApi {
  constructor(private readonly http: PdsHttp) {}

  /**
   * Any grant, retried after transient failures (5xx, 429, reset, timeout) too. A refresh rotates
   * the refresh token, yet repeating it is safe: if the lost attempt had rotated the token, the
   * repeat fails as invalid, which is where not repeating would leave us anyway; otherwise it works.
   * Without the retry, one injected 5xx on the token endpoint failed a start-up or a user's call.
   */
  token(form: Record<string, string | undefined>, signal?: AbortSignal): Promise<PdsToken> {
    return this.http.call<PdsToken>('/v2/oauth/token', form, { auth: 'none', form: true, idempotent: true, signal });
  }

  refresh(req: { refreshToken: string; clientId: string; clientSecret?: string }, signal?: AbortSignal): Promise<PdsToken> {
    return this.token({ grant_type: 'refresh_token', refresh_token: req.refreshToken, client_id: req.clientId, client_secret: req.clientSecret }, signal);
  }

  jwtBearer(req: { clientId: string; assertion: string; clientSecret?: string }, signal?: AbortSignal): Promise<PdsToken> {
    return this.token({ grant_type: JWT_BEARER_GRANT, client_id: req.clientId, client_secret: req.clientSecret, assertion: req.assertion }, signal);
  }
}

/** A token given by the user; it cannot be renewed, so a rejection surfaces as EACCES. */
export class StaticTokenSource implements AccessTokenProvider {
  constructor(private readonly token: string) {}
  async getToken(): Promise<string> {
    return this.token;
  }
  async renew(): Promise<undefined> {
    return undefined;
  }
}

/** How long before expiry a token is replaced: 180 s like the official credential client, less for short-lived tokens. */
export function refreshMargin(lifetimeMs: number): number {
  return Math.min(180_000, lifetimeMs * 0.2);
}

/** The JWT source's caching, expiry tracking and one-refresh-at-a-time. */
abstract class GrantTokenSource implements AccessTokenProvider {
  private token: string | undefined;
  private refreshAt = 0;
  private inflight: Promise<string> | undefined;

  constructor(initialAccessToken?: string) {
    // A given access token of unknown lifetime is used until the server rejects it.
    if (initialAccessToken) {
      this.token = initialAccessToken;
      this.refreshAt = Number.POSITIVE_INFINITY;
    }
  }

  protected abstract grant(): Promise<PdsToken>;

  async getToken(): Promise<string> {
    if (this.token !== undefined && Date.now() < this.refreshAt) return this.token;
    return this.refresh();
  }

  async renew(rejected: string): Promise<string> {
    // Another request already replaced the rejected token.
    if (this.token !== undefined && this.token !== rejected && Date.now() < this.refreshAt) return this.token;
    return this.refresh();
  }

  /** Shared by all waiting callers, so it takes no caller's abort signal. */
  private refresh(): Promise<string> {
    this.inflight ??= this.grant()
      .then((t) => {
        const lifetimeMs = tokenLifetimeMs(t);
        this.token = t.access_token;
        this.refreshAt = Date.now() + lifetimeMs - refreshMargin(lifetimeMs);
        return t.access_token;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}

function tokenLifetimeMs(t: PdsToken): number {
  if (Number.isFinite(t.expires_in) && t.expires_in > 0) return t.expires_in * 1000;
  const at = Date.parse(t.expire_time);
  return Number.isNaN(at) ? 3_600_000 : Math.max(0, at - Date.now());
}

/** The latest token pair of one login, where every process using that login can see it. */
export interface StoredTokens {
  /** Which login the pair descends from: a new `pdsfs login` gives a new one (loginId). */
  login: string;
  clientId: string;
  refreshToken: string;
  accessToken?: string;
  /** Epoch ms from which the access token is to be replaced (shortly before it expires). */
  renewAt?: number;
}

/** A token store shared by processes (config/token-store.ts): read at will, changed under a lock. */
export interface SharedTokenStore {
  read(): StoredTokens | undefined;
  /** Runs `change` with the stored pair while holding the lock; `write`, when given, is stored before the lock is released. */
  locked<T>(change: (stored: StoredTokens | undefined) => Promise<{ write?: StoredTokens; result: T }>): Promise<T>;
}

/** Names a login by the refresh token it started from, without keeping the token itself. */
export function loginId(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('hex').slice(0, 16);
}

/** What a dead login tells the user, in the log, in errors and in `pdsfs status`. */
export const LOGIN_EXPIRED = 'login expired: run pdsfs login';

/** Token-endpoint answers that mean the refresh token is dead for good (not a passing failure). */
function refreshTokenDead(err: unknown): boolean {
  if (!(err instanceof PdsError) || (err.status !== 400 && err.status !== 401)) return false;
  return err.code.startsWith('InvalidParameter.RefreshToken') || err.code === 'RefreshTokenExpired' || err.code === 'RefreshTokenInvalid';
}

export interface RefreshTokenCredentials {
  refreshToken: string;
  clientId: string;
  clientSecret?: string;
  /** Used until rejected, before the first refresh. */
  accessToken?: string;
  /** Where the pair is shared with the other processes of this login; without it the pair lives in memory only. */
  store?: SharedTokenStore;
  logger?: Logger;
}

/**
 * The refresh-token grant. A refresh ends the old access and refresh tokens (PDS token guide), so
 * processes sharing a login must not refresh behind each other's backs: with a store, a refresh runs
 * under its lock, after re-reading it; a pair someone else stored is taken instead of refreshing.
 * A dead refresh token is said once; calls then fail with LoginExpired until a new `pdsfs login`
 * writes a new pair to the store, which is taken up without a restart.
 */
export class RefreshTokenSource implements AccessTokenProvider {
  private current: StoredTokens;
  private inflight: Promise<string> | undefined;
  private dead = false;

  constructor(private readonly oauth: OAuthApi, private readonly creds: RefreshTokenCredentials) {
    const mine: StoredTokens = {
      login: loginId(creds.refreshToken),
      clientId: creds.clientId,
      refreshToken: creds.refreshToken,
      // A given access token of unknown lifetime is used until the server rejects it.
      ...(creds.accessToken ? { accessToken: creds.accessToken, renewAt: Number.POSITIVE_INFINITY } : {}),
    };
    const stored = creds.store?.read();
    this.current = stored && stored.login === mine.login && stored.clientId === mine.clientId ? stored : mine;
  }

  /** Why no token can be had, for status; undefined while the login works. */
  problem(): string | undefined {
    return this.dead ? LOGIN_EXPIRED : undefined;
  }

  async getToken(): Promise<string> {
    return this.usable() ?? this.refresh(undefined);
  }

  async renew(rejected: string): Promise<string> {
    // Another request already replaced the rejected token.
    const token = this.usable();
    if (token !== undefined && token !== rejected) return token;
    return this.refresh(rejected);
  }

  private usable(): string | undefined {
    const { accessToken, renewAt } = this.current;
    return !this.dead && accessToken !== undefined && Date.now() < (renewAt ?? 0) ? accessToken : undefined;
  }

  /** Shared by all waiting callers, so it takes no caller's abort signal. */
  private refresh(rejected: string | undefined): Promise<string> {
    this.inflight ??= this.obtain(rejected).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async obtain(rejected: string | undefined): Promise<string> {
    if (this.dead && !this.takeNewLogin()) throw loginExpiredError();
    const store = this.creds.store;
    if (!store) return this.grant();
    return store.locked(async (stored) => {
      if (stored && stored.clientId === this.current.clientId && stored.login === this.current.login && stored.refreshToken !== this.current.refreshToken) {
        this.current = stored; // another process refreshed: its pair is the live one
      }
      const token = this.usable();
      if (token !== undefined && token !== rejected) return { result: token };
      const result = await this.grant();
      return { write: this.current, result };
    });
  }

  /**
   * After a dead login: a pair in the store other than the dead one is a new `pdsfs login` (or a
   * refresh by another process that overlapped ours).
   */
  private takeNewLogin(): boolean {
    const stored = this.creds.store?.read();
    if (!stored || stored.refreshToken === this.current.refreshToken || stored.clientId !== this.current.clientId) return false;
    this.current = stored;
    this.dead = false;
    this.creds.logger?.info('a new login was stored; using it');
    return true;
  }

  private async grant(): Promise<string> {
    let t: PdsToken;
    try {
      t = await this.oauth.refresh({ refreshToken: this.current.refreshToken, clientId: this.current.clientId, clientSecret: this.creds.clientSecret });
    } catch (err) {
      if (!refreshTokenDead(err)) throw err;
      this.dead = true;
      this.creds.logger?.error({ code: (err as PdsError).code }, `${LOGIN_EXPIRED} (the refresh token was refused; uploads wait, nothing is lost)`);
      throw loginExpiredError();
    }
    const lifetimeMs = tokenLifetimeMs(t);
    this.current = {
      login: this.current.login,
      clientId: this.current.clientId,
      refreshToken: t.refresh_token || this.current.refreshToken,
      accessToken: t.access_token,
      renewAt: Date.now() + lifetimeMs - refreshMargin(lifetimeMs),
    };
    return t.access_token;
  }
}

function loginExpiredError(): PdsError {
  return new PdsError({ status: 401, code: 'LoginExpired', message: LOGIN_EXPIRED, sent: false });
}

export class JwtTokenSource extends GrantTokenSource {
  constructor(private readonly oauth: OAuthApi, private readonly creds: JwtAppCredentials & { clientSecret?: string }) {
    super();
  }

  protected grant(): Promise<PdsToken> {
    return this.oauth.jwtBearer({ clientId: this.creds.clientId, clientSecret: this.creds.clientSecret, assertion: buildJwtAssertion(this.creds) });
  }
}
