// PdsClient: the typed PDS /v2 API, one group per resource, over one request pipeline (http.ts),
// plus the streaming transfers (download.ts, upload.ts). Credentials come from connect.ts.
import { PdsHttp, type AccessTokenProvider, type PdsHttpOptions } from './http.js';
import { OAuthApi } from './auth.js';
import { DrivesApi, UsersApi } from './api-drives.js';
import { FilesApi } from './api-files.js';
import { UploadsApi } from './api-uploads.js';
import { RecycleBinApi } from './api-recyclebin.js';
import { RevisionsApi } from './api-revisions.js';
import { AsyncTasksApi, type WaitOptions } from './api-tasks.js';
import { DeltaApi } from './api-delta.js';
import { ShareLinksApi } from './api-shares.js';
import { ShareTokenCache } from './share-tokens.js';
import { Downloader, type DownloaderOptions } from './download.js';
import { Uploader, type UploaderOptions } from './upload.js';
import type { PdsAsyncTask } from './wire-types.js';

export interface PdsClientOptions extends PdsHttpOptions {
  download?: DownloaderOptions;
  upload?: UploaderOptions;
}

export class PdsClient {
  readonly http: PdsHttp;
  readonly oauth: OAuthApi;
  readonly drives: DrivesApi;
  readonly users: UsersApi;
  readonly files: FilesApi;
  readonly uploads: UploadsApi;
  readonly recycleBin: RecycleBinApi;
  readonly revisions: RevisionsApi;
  readonly tasks: AsyncTasksApi;
  readonly delta: DeltaApi;
  readonly shareLinks: ShareLinksApi;
  readonly shareTokens: ShareTokenCache;
  readonly downloader: Downloader;
  readonly uploader: Uploader;
  private credentials: AccessTokenProvider | undefined;

  constructor(opts: PdsClientOptions) {
    this.http = new PdsHttp(opts);
    this.oauth = new OAuthApi(this.http);
    this.drives = new DrivesApi(this.http);
    this.users = new UsersApi(this.http);
    this.files = new FilesApi(this.http);
    this.uploads = new UploadsApi(this.http);
    this.recycleBin = new RecycleBinApi(this.http);
    this.revisions = new RevisionsApi(this.http);
    this.tasks = new AsyncTasksApi(this.http);
    this.delta = new DeltaApi(this.http);
    this.shareLinks = new ShareLinksApi(this.http);
    this.shareTokens = new ShareTokenCache((share_id, share_pwd) => this.shareLinks.getShareToken({ share_id, ...(share_pwd ? { share_pwd } : {}) }));
    this.http.useShareTokens(this.shareTokens);
    this.downloader = new Downloader(this.http, this.files, opts.download);
    this.uploader = new Uploader(this.http, this.uploads, this.files, opts.upload);
  }

  /** Sets where bearer tokens come from (connectPds does this). */
  useCredentials(credentials: AccessTokenProvider): void {
    this.credentials = credentials;
    this.http.useTokens(credentials);
  }

  get tokenSource(): AccessTokenProvider | undefined {
    return this.credentials;
  }

  /** Registers the password used to get share tokens for `shareId`. */
  useSharePassword(shareId: string, sharePwd?: string): void {
    this.shareTokens.setPassword(shareId, sharePwd);
  }

  /** Polls async_task/get until Succeed, Failed or PartialSucceed. */
  waitForTask(asyncTaskId: string, opts?: WaitOptions): Promise<PdsAsyncTask> {
    return this.tasks.wait(asyncTaskId, opts);
  }

  /** Closes keep-alive sockets. */
  close(): void {
    this.downloader.close();
    this.http.close();
  }
}
