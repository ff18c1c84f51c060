// Proves login credentials by using them: a token grant, then user/get and the user's drives.
import { connectPds } from '../pds/connect.js';
import { PdsError } from '../pds/errors.js';
import type { StoredTokens } from '../pds/auth.js';
import type { RetryOptions } from '../pds/retry.js';
import type { PdsDrive, PdsUser } from '../pds/wire-types.js';
import { jwtAppCredentials } from './credentials.js';
import type { LoginCredentials } from './credentials.js';
import { MemoryTokenStore } from './token-store.js';

export interface VerifiedAccount {
  user: PdsUser;
  drives: PdsDrive[];
  /** The token pair to store, as rotated by the check. Absent for JWT logins. */
  tokens?: StoredTokens;
}

/** Enough drives to show the user what they reached; the rest is only counted. */
const MAX_DRIVES_LISTED = 50;

/** Login is interactive: give up on an unreachable endpoint after a few seconds, not minutes. */
const LOGIN_RETRY: Partial<RetryOptions> = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 };

export async function verifyCredentials(creds: LoginCredentials): Promise<VerifiedAccount> {
  const store = new MemoryTokenStore();
  const client = connectPds({
    endpoint: creds.endpoint,
    retry: LOGIN_RETRY,
    timeoutMs: 30_000,
    ...(creds.kind === 'jwt'
      ? { jwt: jwtAppCredentials(creds.jwt) }
      : {
          refreshToken: creds.refreshToken,
          clientId: creds.clientId,
          clientSecret: creds.clientSecret,
          tokenStore: store,
        }),
  });
  try {
    const user = await client.users.get();
    const drives: PdsDrive[] = [];
    for await (const drive of client.drives.iterateUsable({ limit: MAX_DRIVES_LISTED })) {
      drives.push(drive);
      if (drives.length >= MAX_DRIVES_LISTED) break;
    }
    const tokens = store.read();
    return { user, drives, ...(tokens ? { tokens } : {}) };
  } catch (err) {
    throw new Error(describeFailure(creds.endpoint, err), { cause: err });
  } finally {
    client.close();
  }
}

/** A message that says what to fix, without any secret. */
function describeFailure(endpoint: string, err: unknown): string {
  if (!(err instanceof PdsError)) return `login failed: ${(err as Error).message}`;
  const requestId = err.requestId ? ` (request id ${err.requestId})` : '';
  if (err.status === 0) return `cannot reach ${endpoint}: ${err.code} ${err.message}`;
  if (err.status === 400 || err.status === 401 || err.status === 403) {
    return `${endpoint} refused the credentials: ${err.code}: ${err.message}${requestId}`;
  }
  return `login failed: ${endpoint} answered ${err.status} ${err.code}: ${err.message}${requestId}`;
}
