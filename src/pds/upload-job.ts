// What an upload is asked to do, and where one in progress stands (shared by upload.ts, which runs
// it, and upload-part.ts, which sends its parts).
import type { Hash } from 'node:crypto';
import type { UploadOptions, UploadSession } from '../core/remote.js';
import type { Scope } from './api-files.js';
import type { PartUrls } from './upload-part-urls.js';
import type { UploadSource } from './upload-source.js';

/** The Remote's upload options, plus where the content goes and what it is. */
export interface UploadRequest extends UploadOptions {
  scope: Scope;
  parentId: string;
  name: string;
  source: UploadSource;
  contentType?: string;
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
