// Credentials as stored in the config file: what login writes, logout removes, serve and mount read
// (JWT section). The refresh token kept here names the login; its rotations go to the token store.
import fs from 'node:fs';
import type { JwtAppCredentials } from '../pds/jwt.js';
import type { ConfigFileContents, JwtConfig } from './config-file.js';
import { configFileOf, loadConfigFile } from './load-config.js';

/** Option names that identify and authenticate the account; logout removes them (and "jwt"). */
export const ACCOUNT_OPTIONS = ['endpoint', 'refresh-token', 'client-id', 'client-secret', 'access-token'] as const;

export type LoginCredentials =
  | { kind: 'refresh-token'; endpoint: string; refreshToken: string; clientId: string; clientSecret?: string }
  | { kind: 'jwt'; endpoint: string; jwt: JwtConfig };

export function withoutCredentials(contents: ConfigFileContents): ConfigFileContents {
  const options = { ...contents.options };
  for (const name of ACCOUNT_OPTIONS) delete options[name];
  return { options };
}

/** Replaces whatever account was stored by this one; other settings stay. */
export function withCredentials(contents: ConfigFileContents, creds: LoginCredentials): ConfigFileContents {
  const { options } = withoutCredentials(contents);
  options.endpoint = creds.endpoint;
  if (creds.kind === 'jwt') return { options, jwt: creds.jwt };
  options['refresh-token'] = creds.refreshToken;
  options['client-id'] = creds.clientId;
  if (creds.clientSecret) options['client-secret'] = creds.clientSecret;
  return { options };
}

export function hasCredentials(contents: ConfigFileContents): boolean {
  return contents.jwt !== undefined || ACCOUNT_OPTIONS.some((name) => name in contents.options);
}

/** The JWT section as the PDS client takes it; reads the private key file. */
export function jwtAppCredentials(jwt: JwtConfig): JwtAppCredentials {
  let privateKeyPem: string;
  try {
    privateKeyPem = fs.readFileSync(jwt['private-key-path'], 'utf8');
  } catch (err) {
    throw new Error(`cannot read the JWT private key ${jwt['private-key-path']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { clientId: jwt['client-id'], privateKeyPem, userId: jwt['user-id'], domainId: jwt['domain-id'] };
}

/**
 * For serve and mount: the JWT application `pdsfs login` stored, unless flags or env give a token
 * (explicit credentials win over stored ones).
 */
export function storedJwtCredentials(argv: Record<string, unknown>): JwtAppCredentials | undefined {
  if (argv['refresh-token'] || argv['access-token']) return undefined;
  const { jwt } = loadConfigFile(configFileOf(argv));
  return jwt ? jwtAppCredentials(jwt) : undefined;
}
