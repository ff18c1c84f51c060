// RS256 assertion for the JWT-application login (docs/pds-wire-protocol.md, Tokens), with the claims the official JS SDK sends.
import { createSign, randomUUID } from 'node:crypto';

export interface JwtAppCredentials {
  /** The JWT application's client id (iss). */
  clientId: string;
  /** PEM of the RSA private key whose public key is registered with the application. */
  privateKeyPem: string;
  /** The user to act as (sub, sub_type "user"). */
  userId: string;
  /** The domain (aud). */
  domainId: string;
  /** Create the user when missing. */
  autoCreate?: boolean;
}

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** A signed assertion valid from now−300 s to now+300 s (clock skew both ways, as the SDK does). */
export function buildJwtAssertion(creds: JwtAppCredentials, nowMs = Date.now()): string {
  const now = Math.floor(nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT' };
  const claims = {
    iss: creds.clientId,
    sub: creds.userId,
    sub_type: 'user',
    aud: creds.domainId,
    jti: randomUUID(),
    iat: now - 300,
    exp: now + 300,
    auto_create: creds.autoCreate ?? false,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(creds.privateKeyPem);
  return `${input}.${base64url(signature)}`;
}
