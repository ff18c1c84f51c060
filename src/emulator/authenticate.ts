// Turns a parsed request into a Call: checks the bearer token and, on routes that accept them,
// the x-share-token for body.share_id together with the share link's state.
import type { IncomingHttpHeaders } from 'node:http';
import type { Call, EmulatorContext, Route } from './context.js';
import { accessTokenInvalid, notFound, PdsHttpError, shareTokenInvalid } from './errors.js';
import type { Body } from './params.js';
import type { UserRow } from './store/accounts.js';
import { isExpired, type ShareRow } from './store/share-links.js';

interface Parsed {
  path: string;
  body: Body;
  headers: IncomingHttpHeaders;
  requestId: string;
}

function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw accessTokenInvalid('the Authorization header is not a Bearer token');
  return m[1];
}

export function authenticate(ctx: EmulatorContext, route: Route, p: Parsed): Call {
  if (route.auth === 'none') return { ctx, ...p };
  const bearer = bearerOf(p.headers);
  const user: UserRow | undefined = bearer ? ctx.tokens.verifyAccess(bearer) : undefined;
  const shareId = p.body.share_id;
  if (route.auth === 'user-or-share' && typeof shareId === 'string' && shareId !== '') {
    const token = p.headers['x-share-token'];
    if (typeof token !== 'string' || token === '') throw shareTokenInvalid('x-share-token is required with share_id');
    ctx.tokens.verifyShareToken(token, shareId);
    return { ctx, ...p, share: usableShare(ctx, shareId), ...(user ? { user } : {}) };
  }
  if (!user) throw accessTokenInvalid('an access token is required');
  return { ctx, ...p, user };
}

/** A share link that can be used now: 404 NotFound.ShareLink, 400 ShareLink.Cancelled/Expired/Forbidden. */
export function usableShare(ctx: EmulatorContext, shareId: string): ShareRow {
  const share = ctx.shares.get(shareId);
  if (!share) throw notFound('ShareLink', shareId);
  if (share.cancelled) throw new PdsHttpError(400, 'ShareLink.Cancelled', `The share link ${shareId} has been cancelled.`);
  if (isExpired(share)) throw new PdsHttpError(400, 'ShareLink.Expired', `The share link ${shareId} has expired.`);
  if (share.status !== 'enabled') throw new PdsHttpError(400, 'ShareLink.Forbidden', `The share link ${shareId} is disabled.`);
  return share;
}
