// Errors the emulator answers with. /v2 calls get PDS-shaped JSON bodies ({code, message});
// the signed data URLs speak OSS, whose errors are XML.

/** A /v2 error: HTTP status plus the PDS error code. */
export class PdsHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** An error of a signed data URL (upload part PUT, download GET/HEAD): OSS XML body. */
export class OssError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** drive_id → DriveId, to_parent_file_id → ToParentFileId (the sub-code style of PDS). */
export function fieldCode(field: string): string {
  return field
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

export function invalidParam(field: string, message?: string): PdsHttpError {
  return new PdsHttpError(400, `InvalidParameter.${fieldCode(field)}`, message ?? `The input parameter ${field} is not valid.`);
}

export function missingParam(field: string): PdsHttpError {
  return new PdsHttpError(400, `InvalidParameter.${fieldCode(field)}`, `The input parameter ${field} is missing.`);
}

const RESOURCE_IDS = { File: 'file_id', Drive: 'drive_id', ShareLink: 'share_id', UploadId: 'upload_id', User: 'user_id', AsyncTask: 'async_task_id' } as const;

export function notFound(kind: keyof typeof RESOURCE_IDS, id: string): PdsHttpError {
  return new PdsHttpError(404, `NotFound.${kind}`, `The resource ${kind} cannot be found. ${RESOURCE_IDS[kind]}: ${id}`);
}

export function forbidden(kind: string, message: string): PdsHttpError {
  return new PdsHttpError(403, `ForbiddenNoPermission.${kind}`, message);
}

export function accessTokenInvalid(reason: string): PdsHttpError {
  return new PdsHttpError(401, 'AccessTokenInvalid', `AccessToken is invalid. ${reason}`);
}

export function shareTokenInvalid(reason: string): PdsHttpError {
  return new PdsHttpError(401, 'ShareLinkTokenInvalid', `ShareLinkToken is invalid. ${reason}`);
}

export function quotaExhausted(driveId: string): PdsHttpError {
  return new PdsHttpError(400, 'QuotaExhausted.Drive', `The drive ${driveId} does not have enough space for this request.`);
}

export function renderOssXml(code: string, message: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n' +
    `  <Code>${escapeXml(code)}</Code>\n  <Message>${escapeXml(message)}</Message>\n` +
    `  <RequestId>${escapeXml(requestId)}</RequestId>\n  <HostId>emulator</HostId>\n</Error>\n`
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}
