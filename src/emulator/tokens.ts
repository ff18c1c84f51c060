// Access, refresh and share tokens. Access and share tokens are HS256 JWTs signed with the store's
// secret (so they survive a restart); refresh tokens are opaque, stored hashed, and rotate. As the
// PDS token guide says: an access token lasts 2 hours, a refresh token 7 days, and a refresh makes
// both the old access token and the old refresh token invalid. An access token therefore names the
// refresh token issued with it ("rt"), and is valid only while that refresh token is unused.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { PdsToken, ShareTokenResponse } from '../pds/wire-types.js';
import { accessTokenInvalid, invalidParam, shareTokenInvalid } from './errors.js';
import { randomSecret } from './ids.js';
import { signHs256, verifyHs256 } from './jwt.js';
import type { AccountStore, UserRow } from './store/accounts.js';
import type { Sql } from './store/sql.js';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class TokenService {
  /**
   * Access tokens accepted before, with their user: every request carries one of the same few
   * tokens, and checking one again (its signature, its refresh token's row, its user's) cost the
   * server's thread about 40 µs a request. A token stays accepted until it expires or its refresh
   * token is used or swept (forgetRefreshToken). Users are never changed after the seed; a change
   * to one would have to clear this too.
   */
  private readonly accepted = new LRUCache<string, { user: UserRow; rt: string; expiresAtMs: number }>({ max: 256 });

  constructor(
    private readonly sql: Sql,
    private readonly accounts: AccountStore,
    private readonly secret: Buffer,
    private readonly domainId: string,
    private readonly ttlMs: number,
    private readonly refreshTtlMs: number,
  ) {}

  /** A new access + refresh token pair for the user. */
  issue(user: UserRow, clientId: string): PdsToken {
    const nowMs = Date.now();
    const exp = Math.ceil((nowMs + this.ttlMs) / 1000);
    const refresh = randomSecret();
    const rt = hashToken(refresh);
    const access = signHs256({ typ: 'access', sub: user.user_id, aud: this.domainId, client_id: clientId, rt, iat: Math.floor(nowMs / 1000), exp, jti: randomSecret().slice(0, 16) }, this.secret);
    this.sql.run('INSERT INTO refresh_tokens (token_hash, user_id, client_id, created_at) VALUES (?, ?, ?, ?)', rt, user.user_id, clientId, nowMs);
    return {
      access_token: access,
      refresh_token: refresh,
      expires_in: Math.ceil(this.ttlMs / 1000),
      expire_time: new Date(exp * 1000).toISOString(),
      token_type: 'Bearer',
      user_id: user.user_id,
      user_name: user.user_name,
      nick_name: user.nick_name,
      default_drive_id: user.default_drive_id,
      domain_id: this.domainId,
      role: user.role,
    };
  }

  /** refresh_token grant: the old refresh token and the access token issued with it stop working. */
  refresh(refreshToken: string, clientId: string): PdsToken {
    return this.sql.tx(() => {
      const hash = hashToken(refreshToken);
      const row = this.sql.get<{ user_id: string; client_id: string; created_at: number }>('SELECT user_id, client_id, created_at FROM refresh_tokens WHERE token_hash = ?', hash);
      const user = row && row.client_id === clientId ? this.accounts.user(row.user_id) : undefined;
      const expired = row !== undefined && Date.now() >= row.created_at + this.refreshTtlMs;
      if (!row || !user || user.status !== 'enabled' || expired) throw invalidParam('refresh_token', 'The refresh token is invalid or has expired.');
      this.sql.run('DELETE FROM refresh_tokens WHERE token_hash = ?', hash);
      this.forgetRefreshToken(hash);
      return this.issue(user, clientId);
    });
  }

  /** Drops refresh tokens past their lifetime whose access token has expired too (maintenance). */
  sweepExpired(): number {
    const swept = this.sql.run('DELETE FROM refresh_tokens WHERE created_at <= ?', Date.now() - (this.refreshTtlMs + this.ttlMs)).changes;
    if (swept > 0) this.accepted.clear();
    return swept;
  }

  /** The user of a bearer access token; 401 AccessTokenInvalid otherwise. */
  verifyAccess(token: string): UserRow {
    const known = this.accepted.get(token);
    if (known && Date.now() < known.expiresAtMs) return known.user;
    const claims = verifyHs256(token, this.secret);
    if (!claims || claims.typ !== 'access' || typeof claims.sub !== 'string') throw accessTokenInvalid('malformed or not issued here');
    if (typeof claims.exp !== 'number' || Date.now() >= claims.exp * 1000) throw accessTokenInvalid('expired');
    if (typeof claims.rt !== 'string' || !this.sql.get('SELECT 1 FROM refresh_tokens WHERE token_hash = ?', claims.rt)) throw accessTokenInvalid('replaced by a refresh');
    const user = this.accounts.user(claims.sub);
    if (!user || user.status !== 'enabled') throw accessTokenInvalid('unknown user');
    this.accepted.set(token, { user, rt: claims.rt, expiresAtMs: claims.exp * 1000 });
    return user;
  }

  /** The access tokens issued with this refresh token are no longer accepted without a check (which they now fail). */
  private forgetRefreshToken(hash: string): void {
    const issuedWithIt = [...this.accepted.entries()].filter(([, known]) => known.rt === hash).map(([token]) => token);
    for (const token of issuedWithIt) this.accepted.delete(token);
  }

  issueShareToken(shareId: string, expireSec: number): ShareTokenResponse {
    const exp = Math.ceil((Date.now() + expireSec * 1000) / 1000);
    const token = signHs256({ typ: 'share', share_id: shareId, aud: this.domainId, iat: Math.floor(Date.now() / 1000), exp }, this.secret);
    return { share_token: token, expire_time: new Date(exp * 1000).toISOString(), expires_in: expireSec };
  }

  /** Checks an x-share-token for the given share; 401 ShareLinkTokenInvalid otherwise. */
  verifyShareToken(token: string, shareId: string): void {
    const claims = verifyHs256(token, this.secret);
    if (!claims || claims.typ !== 'share') throw shareTokenInvalid('malformed or not issued here');
    if (claims.share_id !== shareId) throw shareTokenInvalid('issued for another share');
    if (typeof claims.exp !== 'number' || Date.now() >= claims.exp * 1000) throw shareTokenInvalid('expired');
  }
}
