// The one table PDS error → VfsCode. Exact codes first, then the dotted family (NotFound.File →
// NotFound), then the HTTP status. What the codes mean: docs/pds-wire-protocol.md, Errors.
import type { VfsCode } from '../core/errors.js';

/** What the mapping reads of a PdsError (errors.ts calls vfsCodeOf, so this file does not import it). */
export interface PdsFailure {
  status: number;
  code: string;
  message: string;
  isTimeout: boolean;
}

/** Every PDS / OSS / gateway error code we know of, with its filesystem meaning. */
export const PDS_ERROR_TABLE: Readonly<Record<string, VfsCode>> = {
  // 400 parameter family (names: see nameTooLong below)
  InvalidParameter: 'EINVAL',
  InvalidParameterEmpty: 'EINVAL',
  InvalidParameterWrongFormat: 'EINVAL',
  InvalidRequestJSONFormat: 'EINVAL',
  InvalidParameterNotSupported: 'EINVAL',
  'InvalidParameterNotSupported.ParallelUpload': 'EINVAL',
  InvalidParameterMissing: 'EINVAL',
  InvalidParameterNotMatch: 'EINVAL',
  InvalidParameterOutOfRange: 'EINVAL',
  InvalidParameterExpired: 'EINVAL',
  InvalidRapidProof: 'EINVAL',
  PartNotSequential: 'EIO',
  BadRequest: 'EIO',
  // credentials
  'InvalidParameter.RefreshToken': 'EACCES',
  LoginExpired: 'EACCES',
  AccessTokenInvalid: 'EACCES',
  AccessTokenExpired: 'EACCES',
  TokenExpired: 'EACCES',
  RefreshTokenExpired: 'EACCES',
  RefreshTokenInvalid: 'EACCES',
  PermissionDenied: 'EACCES',
  ShareLinkTokenInvalid: 'EACCES',
  UserDeviceOffline: 'EACCES',
  DeviceSessionSignatureInvalid: 'EACCES',
  // 403
  Forbidden: 'EACCES',
  ForbiddenNoPermission: 'EACCES',
  'ForbiddenNoPermission.File': 'EACCES',
  ForbiddenFileInTheRecycleBin: 'ENOENT',
  ForbiddenDriveLocked: 'EACCES',
  ForbiddenDriveNotValid: 'EACCES',
  UserNotAllowedAccessResource: 'EACCES',
  CheckRouterAccessFailed: 'EPERM',
  AccessDenied: 'EACCES',
  SignatureDoesNotMatch: 'EACCES',
  // 404
  NotFound: 'ENOENT',
  'NotFound.File': 'ENOENT',
  'NotFound.FileId': 'ENOENT',
  'NotFound.ParentFileId': 'ENOENT',
  'NotFound.Drive': 'ENOENT',
  'NotFound.ShareLink': 'ENOENT',
  'NotFound.Revision': 'ENOENT',
  'NotFound.Domain': 'ENOENT',
  'NotFound.View': 'ENOENT',
  'NotFound.UploadId': 'ENOENT',
  'NotFound.User': 'ENOENT',
  'NotFound.AsyncTask': 'ENOENT',
  NoSuchKey: 'ENOENT',
  NoSuchUpload: 'ENOENT',
  // 409
  AlreadyExist: 'EEXIST',
  'AlreadyExist.File': 'EEXIST',
  PreHashMatched: 'EEXIST',
  PartAlreadyExist: 'EEXIST',
  StateConflict: 'EBUSY',
  // space
  'QuotaExhausted.Drive': 'ENOSPC',
  QuotaExhausted: 'ENOSPC',
  ExceedCapacityForbidden: 'ENOSPC',
  file_size_exceeds_domain_quota: 'ENOSPC',
  // share links
  'ShareLink.Cancelled': 'EACCES',
  'ShareLink.Expired': 'EACCES',
  'ShareLink.Forbidden': 'EACCES',
  'InvalidResource.SharePwd': 'EACCES',
  // throttling and server trouble (after the pipeline's retries)
  TooManyRequests: 'EAGAIN',
  ParamFlowException: 'EAGAIN',
  ServiceUnavailable: 'EAGAIN',
  InternalError: 'EIO',
  D504TO: 'ETIMEDOUT',
  // client side (see errors.ts / download.ts / upload.ts)
  HostDown: 'EHOSTDOWN',
  ETIMEDOUT: 'ETIMEDOUT',
  Aborted: 'EIO',
  RevisionChanged: 'EIO',
  AsyncTaskFailed: 'EIO',
  InvalidResponse: 'EIO',
  ContentHashMismatch: 'EIO',
  UnsupportedContentHash: 'EIO',
};

/** Codes whose dotted sub-codes share the family's meaning (e.g. NotFound.Whatever). */
const FAMILIES: readonly (readonly [string, VfsCode])[] = [
  ['InvalidParameter', 'EINVAL'],
  ['NotFound', 'ENOENT'],
  ['AlreadyExist', 'EEXIST'],
  ['ForbiddenNoPermission', 'EACCES'],
  ['Forbidden', 'EACCES'],
  ['QuotaExhausted', 'ENOSPC'],
  ['ShareLink', 'EACCES'],
  ['InvalidResource', 'EACCES'],
];

export const KNOWN_PDS_CODES: readonly string[] = Object.keys(PDS_ERROR_TABLE);

/** The VfsCode for a PDS code by table or family; undefined when the code is unknown. */
export function lookupPdsCode(code: string): VfsCode | undefined {
  const exact = PDS_ERROR_TABLE[code];
  if (exact) return exact;
  for (const [family, vfs] of FAMILIES) if (code.startsWith(family)) return vfs;
  return undefined;
}

function byStatus(status: number): VfsCode {
  if (status === 400 || status === 416) return 'EINVAL';
  if (status === 401 || status === 403) return 'EACCES';
  if (status === 404 || status === 410) return 'ENOENT';
  if (status === 409) return 'EEXIST';
  if (status === 413 || status === 507) return 'ENOSPC';
  if (status === 429 || status === 503) return 'EAGAIN';
  if (status === 504 || status === 408) return 'ETIMEDOUT';
  return 'EIO';
}

/** A name rejected for its length (the service says InvalidParameter*, the message names the cause). */
function nameTooLong(err: PdsFailure): boolean {
  return err.code.startsWith('InvalidParameter') && /name/i.test(`${err.code} ${err.message}`) && /long|length|exceed|1024|bytes/i.test(err.message);
}

export function vfsCodeOf(err: PdsFailure): VfsCode {
  if (nameTooLong(err)) return 'ENAMETOOLONG';
  if (err.status === 0) return err.isTimeout ? 'ETIMEDOUT' : lookupPdsCode(err.code) ?? 'EIO';
  return lookupPdsCode(err.code) ?? byStatus(err.status);
}
