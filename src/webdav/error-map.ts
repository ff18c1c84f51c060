// Table 3 of the error model: VfsCode → webdav-server singleton error → HTTP status. webdav-server v2
// maps its errors to statuses by object identity (HTTPRequestContext.defaultStatusCode, read here
// as it is); the statuses it has no singleton for (400, 405, 412, 501, 502, 503, 504) get our own
// singletons with their own table. Only our handlers turn errors into statuses (webdav-server's
// built-in ones are all replaced), so its table is never patched.
import * as dav from 'webdav-server/lib/index.v2.js';
import { VfsError, type VfsCode } from '../core/errors.js';

const E = dav.Errors;

/** Our own singletons, for statuses webdav-server has none for. */
export const DavErrors = {
  BadRequest: new Error('Bad request.'),
  IsCollection: new Error('The resource is a collection.'),
  NotEmpty: new Error('The collection is not empty.'),
  PreconditionFailed: new Error('Precondition failed.'),
  NotImplemented: new Error('Not implemented by the backend.'),
  BadGateway: new Error('The backend failed.'),
  Unavailable: new Error('The backend is busy; retry later.'),
  GatewayTimeout: new Error('The backend timed out.'),
  Internal: new Error('Internal error.'),
} as const;

const OWN_STATUSES: ReadonlyMap<Error, number> = new Map([
  [DavErrors.BadRequest, 400],
  [DavErrors.IsCollection, 405],
  [DavErrors.NotEmpty, 409],
  [DavErrors.PreconditionFailed, 412],
  [DavErrors.NotImplemented, 501],
  [DavErrors.BadGateway, 502],
  [DavErrors.Unavailable, 503],
  [DavErrors.GatewayTimeout, 504],
  [DavErrors.Internal, 500],
]);

/** Every VfsCode, explicitly (a unit test checks completeness against VFS_CODES). */
export const VFS_TO_DAV: Readonly<Record<VfsCode, Error>> = {
  ENOENT: E.ResourceNotFound, // 404
  EEXIST: E.ResourceAlreadyExists, // 409
  ENOTDIR: E.WrongParentTypeForCreation, // 409
  EISDIR: DavErrors.IsCollection, // 405
  ENOTEMPTY: DavErrors.NotEmpty, // 409
  EACCES: E.Forbidden, // 403
  EPERM: E.Forbidden, // 403
  EROFS: E.Forbidden, // 403
  ENOSPC: E.InsufficientStorage, // 507
  EINVAL: DavErrors.BadRequest, // 400
  ENAMETOOLONG: DavErrors.BadRequest, // 400
  EAGAIN: DavErrors.Unavailable, // 503
  EBUSY: E.Locked, // 423: the node is busy (e.g. mid-upload) for another writer
  ETIMEDOUT: DavErrors.GatewayTimeout, // 504
  EIO: DavErrors.BadGateway, // 502: the backend failed after retries
  ENOSYS: DavErrors.NotImplemented, // 501
  EXDEV: DavErrors.BadGateway, // 502: RFC 4918 §9.9.4, destination on another "server"
  EBADF: DavErrors.Internal, // 500: a handle bug on our side
  EHOSTDOWN: DavErrors.Unavailable, // 503: PDS is unreachable; retry later
};

export interface ErrorContext {
  /** The request creates something: a missing parent is a conflict (409), not a 404. */
  creating?: boolean;
}

/** Any error → the webdav-server singleton to report. Unknown errors become Internal (500). */
export function toDavError(err: unknown, context: ErrorContext = {}): Error {
  if (err instanceof VfsError) {
    if (err.code === 'ENOENT' && context.creating) return E.IntermediateResourceMissing;
    return VFS_TO_DAV[err.code];
  }
  if (err instanceof Error && statusOfDavError(err) !== undefined) return err;
  return DavErrors.Internal;
}

/** Status of a webdav-server singleton (ours included), or undefined for any other error. */
export function statusOfDavError(err: Error): number | undefined {
  return OWN_STATUSES.get(err) ?? dav.HTTPRequestContext.defaultStatusCode(err) ?? undefined;
}

/** Any error → HTTP status, through the one table above. */
export function statusOf(err: unknown, context: ErrorContext = {}): number {
  return statusOfDavError(toDavError(err, context)) ?? 500;
}
