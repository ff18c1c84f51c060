// What an upload is asked to do, and where one in progress stands (shared by upload.ts, which runs
// it, and upload-part.ts, which sends its parts).
import type { Hash } from 'node:crypto';
import type { UploadSession } from '../core/remote.js';
import type { Scope } from './api-files.js';
import type { PartUrls } from './upload-part-urls.js';
import type { UploadSource } from './upload-source.js';

export interface UploadRequest {
  scope: Scope;
  parentId: string;
  name: string;
  source: UploadSource;
  /** New revision of this file (same id) instead of a new name. */
  replaceId?: string;
  /** Uppercase hex SHA-1 when known: rapid upload is tried first. */
  sha1?: string;
  /** Epoch ms → local_modified_at. */
  mtime?: number;
  contentType?: string;
  resume?: UploadSession;
  onSession?: (session: UploadSession) => void;
  /** Bytes accepted so far; may step back when a part is re-sent. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  signal?: AbortSignal;
}

/** One upload in progress (upload-part.ts sends its parts). */
export interface UploadJob {
  req: UploadRequest;
  session: UploadSession;
  urls: PartUrls;
  etags: Map<number, string>;
  /** Running SHA-1 of everything sent, when the upload started from byte 0. */
  hash: Hash | undefined;
  bytesDone: number;
  /** Bytes of parts being sent (several at once when parallel). */
  bytesSending: number;
}
