// Signed part URLs of one upload session: taken from file/create, fetched in windows through
// file/get_upload_url when missing, and re-fetched when old (they last 15 min by default) or rejected.
import type { UploadPartInfo } from './wire-types.js';
import type { UploadSession } from '../core/remote.js';
import type { Scope } from './api-files.js';
import type { UploadsApi } from './api-uploads.js';

const WINDOW = 100;
/** Re-fetch URLs older than this, before the default 15-minute lifetime runs out. */
const MAX_AGE_MS = 10 * 60_000;

export class PartUrls {
  private readonly parts = new Map<number, { info: UploadPartInfo; at: number }>();
  /** The window being fetched: parts sent in parallel wait for it instead of asking again. */
  private fetching: Promise<void> | undefined;

  constructor(
    private readonly uploads: UploadsApi,
    private readonly scope: Scope,
    private readonly session: UploadSession,
    private readonly signal?: AbortSignal,
  ) {}

  add(list: UploadPartInfo[]): void {
    const at = Date.now();
    for (const info of list) if (info.upload_url) this.parts.set(info.part_number, { info, at });
  }

  async get(n: number): Promise<UploadPartInfo> {
    for (let waited = false; ; waited = true) {
      const known = this.parts.get(n);
      if (known && Date.now() - known.at < MAX_AGE_MS) return known.info;
      if (!this.fetching || waited) break;
      await this.fetching.catch(() => undefined);
    }
    const last = Math.min(this.session.partCount, n + WINDOW - 1);
    const fetching = this.uploads
      .getUploadUrl(
        {
          ...this.scope,
          file_id: this.session.fileId,
          upload_id: this.session.uploadId,
          part_info_list: Array.from({ length: last - n + 1 }, (_, i) => ({ part_number: n + i })),
        },
        this.signal,
      )
      .then((r) => this.add(r.part_info_list ?? []));
    this.fetching = fetching;
    try {
      await fetching;
    } finally {
      if (this.fetching === fetching) this.fetching = undefined;
    }
    const fresh = this.parts.get(n);
    if (!fresh) throw new Error(`get_upload_url returned no URL for part ${n}`);
    return fresh.info;
  }

  /** The URLs were rejected (expired): forget them all, they were issued together. */
  invalidate(): void {
    this.parts.clear();
  }
}
