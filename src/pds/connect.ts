// connectPds: a PdsClient with the right credential source for the options given.
import type { Logger } from '../shared/logger.js';
import { PdsClient, type PdsClientOptions } from './client.js';
import { JwtTokenSource, RefreshTokenSource, StaticTokenSource, type SharedTokenStore } from './auth.js';
import type { JwtAppCredentials } from './jwt.js';

export interface ConnectOptions extends Omit<PdsClientOptions, 'logger'> {
  endpoint: string;
  /** Fixed bearer; with refreshToken it is used until rejected. */
  accessToken?: string;
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
  jwt?: JwtAppCredentials & { clientSecret?: string };
  /** Where the refresh-token pair is shared with other processes of the same login. */
  tokenStore?: SharedTokenStore;
  logger?: Logger;
}

/**
 * Credentials, in order of preference: a JWT application, a refresh token (+ client id), a fixed
 * access token. Without any, only anonymous and share-token calls work. No request is made here.
 */
export function connectPds(opts: ConnectOptions): PdsClient {
  const client = new PdsClient(opts);
  if (opts.jwt) {
    client.useCredentials(new JwtTokenSource(client.oauth, opts.jwt));
  } else if (opts.refreshToken) {
    if (!opts.clientId) throw new Error('a refresh token needs a client id');
    client.useCredentials(
      new RefreshTokenSource(client.oauth, {
        refreshToken: opts.refreshToken,
        clientId: opts.clientId,
        clientSecret: opts.clientSecret,
        accessToken: opts.accessToken,
        ...(opts.tokenStore ? { store: opts.tokenStore } : {}),
        ...(opts.logger ? { logger: opts.logger } : {}),
      }),
    );
  } else if (opts.accessToken) {
    client.useCredentials(new StaticTokenSource(opts.accessToken));
  }
  return client;
}
