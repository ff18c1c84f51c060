// Access-token sources: a fixed token, the refresh-token grant (rotating refresh tokens persisted
// through a callback) and the JWT-application grant. Refreshes happen shortly before expiry and
// once when the server rejects a token; concurrent refreshes share one request.
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

/** Common part of the grant-based sources: caching, expiry tracking, one refresh at a time. */
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

export interface RefreshTokenCredentials {
  refreshToken: string;
  clientId: string;
  clientSecret?: string;
  /** Used until rejected, before the first refresh. */
  accessToken?: string;
  /** Receives every rotated refresh token; persist it, the old one may stop working. */
  onRefreshToken?: (refreshToken: string) => void;
}

export class RefreshTokenSource extends GrantTokenSource {
  private refreshToken: string;

  constructor(private readonly oauth: OAuthApi, private readonly creds: RefreshTokenCredentials) {
    super(creds.accessToken);
    this.refreshToken = creds.refreshToken;
  }

  protected async grant(): Promise<PdsToken> {
    const t = await this.oauth.refresh({ refreshToken: this.refreshToken, clientId: this.creds.clientId, clientSecret: this.creds.clientSecret });
    if (t.refresh_token && t.refresh_token !== this.refreshToken) {
      this.refreshToken = t.refresh_token;
      this.creds.onRefreshToken?.(t.refresh_token);
    }
    return t;
  }
}

export class JwtTokenSource extends GrantTokenSource {
  constructor(private readonly oauth: OAuthApi, private readonly creds: JwtAppCredentials & { clientSecret?: string }) {
    super();
  }

  protected grant(): Promise<PdsToken> {
    return this.oauth.jwtBearer({ clientId: this.creds.clientId, clientSecret: this.creds.clientSecret, assertion: buildJwtAssertion(this.creds) });
  }
}
