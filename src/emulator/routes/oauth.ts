// POST /v2/oauth/token (form-encoded): the refresh_token grant with rotation, and the jwt-bearer
// grant for the development application when its RSA public key was given.
import type { PdsToken } from '../../pds/wire-types.js';
import type { Call, RouteTable } from '../context.js';
import { invalidParam } from '../errors.js';
import { verifyRs256 } from '../jwt.js';
import { optString, reqString } from '../params.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function token(call: Call): PdsToken {
  const { ctx, body } = call;
  const grant = reqString(body, 'grant_type');
  const clientId = reqString(body, 'client_id');
  const app = ctx.accounts.app(clientId);
  if (!app) throw invalidParam('client_id', `Unknown client_id ${clientId}.`);
  const secret = optString(body, 'client_secret');
  if (secret !== undefined && secret !== app.client_secret) throw invalidParam('client_secret', 'The client secret does not match.');
  if (grant === 'refresh_token') return ctx.tokens.refresh(reqString(body, 'refresh_token'), clientId);
  if (grant === JWT_BEARER) return jwtGrant(call, clientId);
  throw invalidParam('grant_type', `Unsupported grant_type ${grant}.`);
}

function jwtGrant(call: Call, clientId: string): PdsToken {
  const { ctx, body } = call;
  const pem = ctx.config.jwtPublicKeyPem;
  if (!pem) throw invalidParam('grant_type', 'The jwt-bearer grant is not enabled: no public key was registered.');
  const claims = verifyRs256(reqString(body, 'assertion', 16384), pem);
  if (!claims) throw invalidParam('assertion', 'The assertion is not a JWT signed (RS256) by the registered key.');
  const nowSec = Date.now() / 1000;
  if (claims.iss !== clientId) throw invalidParam('assertion', 'The assertion iss must be the client_id.');
  if (claims.aud !== ctx.seed.domainId) throw invalidParam('assertion', 'The assertion aud must be the domain_id.');
  if (typeof claims.exp !== 'number' || claims.exp <= nowSec) throw invalidParam('assertion', 'The assertion has expired.');
  if (typeof claims.iat === 'number' && claims.iat > nowSec + 300) throw invalidParam('assertion', 'The assertion iat is in the future.');
  if (claims.sub_type !== undefined && claims.sub_type !== 'user') throw invalidParam('assertion', 'Only sub_type "user" is supported.');
  const user = typeof claims.sub === 'string' ? ctx.accounts.user(claims.sub) : undefined;
  if (!user) throw invalidParam('assertion', 'The assertion sub is not a user of this domain.');
  return ctx.tokens.issue(user, clientId);
}

export const oauthRoutes: RouteTable = {
  '/v2/oauth/token': { auth: 'none', form: true, handle: token },
};
