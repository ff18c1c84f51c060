// PDS /v2 wire shapes (snake_case, as on the wire). Types only: the emulator and the client
// both import this file, so it is the one place where the two agree on field names.
// Field meanings: docs/pds-wire-protocol.md and the official spec (pds/main.tea in aliyun/alibabacloud-pds-sdk).

export type FileType = 'file' | 'folder';
export type CheckNameMode = 'ignore' | 'auto_rename' | 'refuse';
export type FileStatus = 'available' | 'uploading';
export type AsyncTaskState = 'Running' | 'Succeed' | 'Failed' | 'PartialSucceed';
export type DeltaOp = 'create' | 'overwrite' | 'delete' | 'update' | 'move' | 'trash' | 'restore' | 'rename';

/** Error body of every non-2xx /v2 answer; the request id also comes in the x-ca-request-id header. */
export interface ErrorBody {
  code: string;
  message: string;
  request_id?: string;
}

export interface Paged<T> {
  items: T[];
  /** Empty string on the last page. */
  next_marker: string;
}

export interface PdsFile {
  domain_id: string;
  drive_id: string;
  file_id: string;
  parent_file_id: string;
  name: string;
  type: FileType;
  status: FileStatus;
  /** Files only (folders: only with fields containing dir_size). */
  size?: number;
  content_type?: string;
  mime_type?: string;
  file_extension?: string;
  category?: string;
  /** Uppercase hex SHA-1. */
  content_hash?: string;
  content_hash_name?: string;
  crc64_hash?: string;
  created_at: string;
  updated_at: string;
  local_created_at?: string;
  local_modified_at?: string;
  trashed_at?: string;
  trashed?: boolean;
  description?: string;
  /** Free-form string kept with the file (pdsfs keeps POSIX attributes in it). */
  user_meta?: string;
  hidden?: boolean;
  starred?: boolean;
  labels?: string[];
  revision_id?: string;
  /** Images: size, capture time and place (from EXIF). */
  image_media_metadata?: PdsImageMedia;
  upload_id?: string;
  download_url?: string;
  url?: string;
  share_id?: string;
  /** What the caller may do with the file (FILE.CREATE, FILE.DELETE, …): returned when `fields` asks for it ('*'). */
  action_list?: string[];
  creator_id?: string;
  last_modifier_id?: string;
}

export interface PdsDrive {
  domain_id: string;
  drive_id: string;
  drive_name: string;
  description: string;
  owner: string;
  owner_type: 'user' | 'group';
  drive_type: string;
  status: 'enabled' | 'disabled';
  used_size: number;
  /** -1 means unlimited. */
  total_size: number;
  created_at: string;
  creator: string;
}

export interface PdsUser {
  domain_id: string;
  user_id: string;
  user_name: string;
  nick_name: string;
  role: 'superadmin' | 'admin' | 'user';
  status: 'enabled' | 'disabled';
  default_drive_id: string;
  description?: string;
  email?: string;
  phone?: string;
  avatar?: string;
  /** Epoch milliseconds (unlike files). */
  created_at: number;
  updated_at: number;
}

export interface PdsToken {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  expire_time: string;
  token_type: 'Bearer';
  user_id: string;
  user_name?: string;
  nick_name?: string;
  default_drive_id: string;
  domain_id?: string;
  role?: string;
}

export interface UploadPartInfo {
  part_number: number;
  upload_url?: string;
  internal_upload_url?: string;
  content_type?: string;
  etag?: string;
  part_size?: number;
  parallel_sha1_ctx?: { h: number[]; part_offset: number };
}

export interface CreateFileRequest {
  drive_id?: string;
  share_id?: string;
  parent_file_id: string;
  name: string;
  type: FileType;
  check_name_mode?: CheckNameMode;
  size?: number;
  content_type?: string;
  part_info_list?: { part_number: number }[];
  content_hash?: string;
  content_hash_name?: string;
  pre_hash?: string;
  file_id?: string;
  parallel_upload?: boolean;
  local_created_at?: string;
  local_modified_at?: string;
  description?: string;
  user_meta?: string;
  hidden?: boolean;
}

export interface PdsImageMedia {
  width?: number;
  height?: number;
  /** Capture time, ISO 8601. */
  time?: string;
  /** "latitude,longitude" in degrees. */
  location?: string;
  /** EXIF tags as a JSON string. */
  exif?: string;
}

/** One content version of a file (file/revision/list, get, restore). */
export interface PdsFileRevision {
  domain_id: string;
  drive_id: string;
  file_id: string;
  revision_id: string;
  revision_name?: string;
  revision_version?: number;
  size?: number;
  file_extension?: string;
  created_at?: string;
  updated_at?: string;
  keep_forever?: boolean;
  revision_description?: string;
  is_latest_version?: boolean;
  crc64_hash?: string;
  content_hash?: string;
  content_hash_name?: string;
  url?: string;
  download_url?: string;
}

export interface CreateFileResponse {
  domain_id: string;
  drive_id: string;
  file_id: string;
  file_name: string;
  parent_file_id: string;
  type: FileType;
  status: FileStatus;
  upload_id?: string;
  rapid_upload?: boolean;
  exist?: boolean;
  revision_id?: string;
  part_info_list?: UploadPartInfo[];
}

export interface GetUploadUrlResponse {
  domain_id: string;
  drive_id: string;
  file_id: string;
  upload_id: string;
  create_at: string;
  part_info_list: UploadPartInfo[];
}

export interface ListUploadedPartsResponse {
  file_id: string;
  upload_id: string;
  parallel_upload: boolean;
  uploaded_parts: { part_number: number; part_size: number; etag: string }[];
  next_part_number_marker: string;
}

export interface DownloadUrlResponse {
  url: string;
  internal_url?: string;
  expiration: string;
  method: 'GET';
  size: number;
  content_hash?: string;
  content_hash_name?: string;
  crc64_hash?: string;
}

/** Answer of move/copy/trash/delete/restore: async_task_id empty or absent means done. */
export interface AsyncResult {
  domain_id: string;
  drive_id: string;
  file_id: string;
  async_task_id?: string;
  exist?: boolean;
  file_name?: string;
}

export interface PdsAsyncTask {
  async_task_id: string;
  state: AsyncTaskState;
  status?: AsyncTaskState;
  error_code?: string;
  error_message?: string;
  consumed_process?: number;
  total_process?: number;
  created_at?: string;
  started_at?: string;
  finished_at?: string;
}

export interface DeltaItem {
  file_id: string;
  op: DeltaOp;
  /** May be absent or sparse for delete/trash events. */
  file?: PdsFile;
}

export interface DeltaResponse {
  items: DeltaItem[];
  cursor: string;
  has_more: boolean;
}

export interface PdsShareLink {
  share_id: string;
  share_pwd: string;
  share_name: string;
  description: string;
  drive_id: string;
  file_id_list: string[];
  /** RFC 3339; empty string means never. */
  expiration: string;
  expired: boolean;
  status: 'enabled' | 'disabled';
  creator: string;
  created_at: string;
  updated_at: string;
  share_url?: string;
  disable_preview?: boolean;
  disable_save?: boolean;
  disable_download?: boolean;
  /** Takes uploads: "creatable" in the tea spec, "enable_upload" in the JS SDK and the SDK guide. */
  creatable?: boolean;
  enable_upload?: boolean;
  access_count?: number;
  preview_count?: number;
  save_count?: number;
  download_count?: number;
  preview_limit?: number;
  save_limit?: number;
  download_limit?: number;
}

/** get_by_anonymous: the public view of a share link. It names neither the link's id nor its files (SDK guide, API reference). */
export interface PdsShareAnonymous {
  share_name: string;
  creator_id: string;
  creator_name?: string;
  expiration: string;
  has_pwd: boolean;
  updated_at: string;
  disable_download?: boolean;
  /** Takes uploads: "enable_upload" in the JS SDK and the SDK guide, "creatable" in the tea spec. */
  enable_upload?: boolean;
  creatable?: boolean;
}

export interface ShareTokenResponse {
  share_token: string;
  expire_time: string;
  expires_in: number;
}
