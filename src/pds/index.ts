// Public surface of the PDS layer.
export { connectPds, type ConnectOptions } from './connect.js';
export { PdsClient, type PdsClientOptions } from './client.js';
export { DriveRemote, type DriveRemoteOptions } from './drive-remote.js';
export { ShareRemote, type ShareRemoteOptions } from './share-remote.js';
export { PdsError, type PdsErrorType } from './errors.js';
export { vfsCodeOf, KNOWN_PDS_CODES } from './error-map.js';
export { StaticTokenSource, RefreshTokenSource, JwtTokenSource, OAuthApi } from './auth.js';
export { buildJwtAssertion, type JwtAppCredentials } from './jwt.js';
export type { AccessTokenProvider, CallOptions, PdsHttpOptions } from './http.js';
export type { RetryOptions } from './retry.js';
export type { Scope } from './api-files.js';
export { fileSource, streamSource, bufferSource, planParts, type UploadSource } from './upload-source.js';
export type { UploadRequest } from './upload-job.js';
export type { UploaderOptions } from './upload.js';
export type { DownloadTarget, DownloaderOptions } from './download.js';
export { paginate, collect } from './paging.js';
export { toRemoteEntry } from './entry.js';
