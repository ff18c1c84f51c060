// x-share-token values per share link: fetched with the share's password through
// share_link/get_share_token, cached until shortly before expiry, renewed on ShareLinkTokenInvalid.
import type { ShareTokenResponse } from './wire-types.js';
import type { ShareTokenProvider } from './http.js';
import { refreshMargin } from './auth.js';

export type FetchShareToken = (shareId: string, sharePwd: string | undefined) => Promise<ShareTokenResponse>;

interface Cached {
  token: string;
  renewAt: number;
}

export class ShareTokenCache implements ShareTokenProvider {
  private readonly passwords = new Map<string, string>();
  private readonly tokens = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly fetchToken: FetchShareToken) {}

  /** Registers the password of a share (empty or absent for password-less shares). */
  setPassword(shareId: string, sharePwd: string | undefined): void {
    if (sharePwd) this.passwords.set(shareId, sharePwd);
    else this.passwords.delete(shareId);
    this.tokens.delete(shareId);
  }

  async get(shareId: string): Promise<string> {
    const cached = this.tokens.get(shareId);
    if (cached && Date.now() < cached.renewAt) return cached.token;
    return this.fetch(shareId);
  }

  async renew(shareId: string, rejected: string): Promise<string> {
    const cached = this.tokens.get(shareId);
    if (cached && cached.token !== rejected && Date.now() < cached.renewAt) return cached.token;
    this.tokens.delete(shareId);
    return this.fetch(shareId);
  }

  private fetch(shareId: string): Promise<string> {
    let p = this.inflight.get(shareId);
    if (!p) {
      p = this.fetchToken(shareId, this.passwords.get(shareId))
        .then((r) => {
          const lifetimeMs = r.expires_in > 0 ? r.expires_in * 1000 : Math.max(0, Date.parse(r.expire_time) - Date.now());
          this.tokens.set(shareId, { token: r.share_token, renewAt: Date.now() + lifetimeMs - refreshMargin(lifetimeMs) });
          return r.share_token;
        })
        .finally(() => this.inflight.delete(shareId));
      this.inflight.set(shareId, p);
    }
    return p;
  }
}
