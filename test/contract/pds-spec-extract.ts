// A small extract of official field names, for the contract test (pds-fields.test.ts). Only the
// endpoints listed; names copied, nothing else.
//
// Sources (public):
// - tea: the official SDK spec, repository aliyun/alibabacloud-pds-sdk, file pds/main.tea — request
//   models ListFileRequest, GetFileRequest, CreateFileRequest, CompleteFileRequest, MoveFileRequest,
//   CopyFileRequest, UpdateFileMetaRequest, DeleteFileRequest, the answer CreateFileResponse and the
//   file model BaseCCPFileResponse (as generated from it in pds/csharp/core/Models/*.cs of the same
//   repository), the drive model BaseDriveResponse, and GetFileByPathRequest and GetFileByPathResponse
//   (the reference has no page for file/get_by_path). For drive lists, trash, async tasks and the
//   change feed the extract takes the reference's request names only (tea: none listed).
// - ref: the PDS API reference (pds-2022-03-01) pages ListMyDrives, ListMyGroupDrive, GetDrive,
//   ListFile, GetFile, CreateFile, CompleteFile, MoveFile, CopyFile, UpdateFile, TrashFile,
//   DeleteFile, ListRecyclebin, RestoreFile, SearchFile, GetAsyncTask, GetLastCursor and ListDelta
//   on alibabacloud.com/help/en/pds/drive-and-photo-service-dev/developer-reference/
//   (api-pds-2022-03-01-listfile, -getfile, ...), and its File and Drive structures
//   (api-pds-2022-03-01-struct-file, -struct-drive); the same names as the models generated from it in repository
//   aliyun/alibabacloud-python-sdk, folder pds-20220301/alibabacloud_pds20220301/models (e.g.
//   _list_file_request.py, _create_file_response_body.py, _list_delta_response_body.py, _file.py).
// - js: the official JS SDK, repository aliyun/aliyun-pds-js-sdk: lib/client/api_file.ts
//   (IGetFileDownloadUrlReq names revision_id), lib/client/api_sharelink.ts (IGetShareTokenReq, and
//   IAnonymousShareLinkItem, the public view the SDK guide documents with enable_upload).
// - Share links: tea CreateShareLinkRequest, BaseShareLinkResponse, GetShareLinkByAnonymousResponse,
//   GetShareLinkTokenResponse; ref CreateShareLink, GetShareLinkByAnonymous, GetShareLinkToken and
//   the ShareLink structure (_create_share_link_request.py, _share_link.py, ...).

export interface SpecFields {
  /** Request names by source; `js` where only the official JS SDK names one. */
  request: Record<'tea' | 'ref', readonly string[]> & { js?: readonly string[] };
  response: readonly string[];
  /** The fields of each entry of the answer's `items`, for a listing. */
  items?: readonly string[];
}

/** The file object: the tea model's fields, and the reference's File structure's. */
const FILE_STRUCT = [
  // tea BaseCCPFileResponse
  'category', 'characteristic_hash', 'content_hash', 'content_hash_name', 'content_type', 'crc64_hash', 'created_at', 'description',
  'domain_id', 'download_url', 'drive_id', 'encrypt_mode', 'file_extension', 'file_id', 'hidden', 'image_media_metadata', 'labels',
  'meta', 'name', 'parent_file_id', 'punish_flag', 'share_id', 'size', 'starred', 'status', 'streams_info', 'thumbnail', 'trashed_at',
  'type', 'updated_at', 'upload_id', 'url', 'user_meta', 'video_media_metadata', 'video_preview_metadata',
  // ref File structure: action_list is "the permissions" of the caller on the file
  'mime_type', 'mime_extension', 'local_created_at', 'local_modified_at', 'revision_id', 'action_list',
] as const;

/** The drive object: the tea model's fields, and the reference's Drive structure's. */
const DRIVE_STRUCT = [
  // tea BaseDriveResponse
  'creator', 'description', 'domain_id', 'drive_id', 'drive_name', 'drive_type', 'encrypt_data_access', 'encrypt_mode', 'owner', 'relative_path',
  'status', 'store_id', 'total_size', 'used_size',
  // ref Drive structure
  'created_at', 'owner_type',
] as const;

export const SPEC: Record<string, SpecFields> = {
  '/v2/drive/list_my_drives': {
    request: { tea: [], ref: ['limit', 'marker'] },
    response: ['items', 'next_marker'],
    items: DRIVE_STRUCT,
  },
  '/v2/drive/list_my_group_drive': {
    request: { tea: [], ref: ['drive_name', 'limit', 'marker'] },
    response: ['items', 'next_marker', 'root_group_drive'],
    items: DRIVE_STRUCT,
  },
  '/v2/drive/get': {
    request: { tea: [], ref: ['drive_id'] },
    response: DRIVE_STRUCT,
  },
  '/v2/file/list': {
    request: {
      tea: [
        'addition_data', 'all', 'category', 'drive_id', 'fields', 'image_cropping_aspect_ratios', 'image_thumbnail_process', 'image_url_process',
        'limit', 'location', 'marker', 'order_by', 'order_direction', 'parent_file_id', 'parent_file_id_path', 'referer', 'share_id', 'sign_token',
        'starred', 'status', 'type', 'url_expire_sec', 'video_thumbnail_process',
      ],
      ref: ['category', 'drive_id', 'fields', 'limit', 'marker', 'order_by', 'order_direction', 'parent_file_id', 'share_id', 'status', 'thumbnail_processes', 'type'],
    },
    response: ['items', 'next_marker'],
    items: FILE_STRUCT,
  },
  '/v2/file/get': {
    request: {
      tea: [
        'addition_data', 'drive_id', 'fields', 'file_id', 'file_id_path', 'image_cropping_aspect_ratios', 'image_thumbnail_process', 'image_url_process',
        'location', 'referer', 'share_id', 'sign_token', 'url_expire_sec', 'video_thumbnail_process',
      ],
      ref: ['drive_id', 'fields', 'file_id', 'share_id', 'thumbnail_processes', 'url_expire_sec'],
    },
    response: FILE_STRUCT,
  },
  '/v2/file/create': {
    request: {
      tea: [
        'addition_data', 'auto_rename', 'check_name_mode', 'content_hash', 'content_hash_name', 'content_md5', 'content_type', 'description', 'drive_id',
        'encrypt_mode', 'file_id', 'hidden', 'image_media_metadata', 'labels', 'last_updated_at', 'meta', 'name', 'parent_file_id', 'part_info_list',
        'pre_hash', 'size', 'streams_info', 'type', 'user_meta', 'video_media_metadata',
      ],
      ref: [
        'check_name_mode', 'content_hash', 'content_hash_name', 'content_type', 'description', 'drive_id', 'file_id', 'hidden', 'local_created_at',
        'local_modified_at', 'name', 'parallel_upload', 'parent_file_id', 'part_info_list', 'pre_hash', 'share_id', 'size', 'type', 'user_tags',
      ],
    },
    response: [
      'domain_id', 'drive_id', 'encrypt_mode', 'exist', 'file_id', 'file_name', 'location', 'parent_file_id', 'part_info_list', 'rapid_upload', 'status',
      'streams_upload_info', 'type', 'upload_id',
    ],
  },
  '/v2/file/complete': {
    request: {
      tea: ['addition_data', 'drive_id', 'file_id', 'part_info_list', 'share_id', 'upload_id'],
      ref: ['crc64_hash', 'drive_id', 'file_id', 'upload_id'],
    },
    response: FILE_STRUCT,
  },
  '/v2/recyclebin/trash': {
    request: { tea: [], ref: ['drive_id', 'file_id'] },
    response: ['async_task_id', 'domain_id', 'drive_id', 'file_id'],
  },
  '/v2/file/delete': {
    request: { tea: ['drive_id', 'file_id', 'permanently'], ref: ['drive_id', 'file_id'] },
    response: ['async_task_id', 'domain_id', 'drive_id', 'file_id'],
  },
  '/v2/recyclebin/list': {
    request: { tea: [], ref: ['drive_id', 'fields', 'limit', 'marker', 'thumbnail_processes'] },
    response: ['items', 'next_marker'],
    items: FILE_STRUCT,
  },
  '/v2/recyclebin/restore': {
    request: { tea: [], ref: ['drive_id', 'file_id'] },
    response: ['async_task_id', 'domain_id', 'drive_id', 'file_id'],
  },
  '/v2/file/search': {
    request: { tea: [], ref: ['drive_id', 'fields', 'limit', 'marker', 'order_by', 'query', 'recursive', 'return_total_count', 'thumbnail_processes'] },
    response: ['items', 'next_marker', 'total_count'],
    items: FILE_STRUCT,
  },
  '/v2/async_task/get': {
    request: { tea: [], ref: ['async_task_id'] },
    response: [
      'async_task_id', 'category', 'consumed_process', 'created_at', 'err_code', 'error_code', 'error_message', 'failed_process', 'finished_at', 'message',
      'skipped_process', 'started_at', 'state', 'status', 'task_type', 'total_process', 'uncompress_file_list', 'url',
    ],
  },
  '/v2/file/get_last_cursor': {
    request: { tea: [], ref: ['drive_id', 'sync_root_id'] },
    response: ['cursor'],
  },
  '/v2/file/list_delta': {
    request: { tea: [], ref: ['cursor', 'drive_id', 'limit', 'sync_root_id'] },
    response: ['cursor', 'has_more', 'items'],
    items: ['file', 'file_id', 'op'],
  },
  '/v2/file/get_download_url': {
    request: {
      tea: ['addition_data', 'drive_id', 'expire_sec', 'file_id', 'file_id_path', 'file_name', 'location', 'referer', 'share_id', 'sign_token'],
      ref: ['drive_id', 'expire_sec', 'file_id', 'file_name', 'response_content_type', 'share_id'],
      js: ['drive_id', 'share_id', 'file_id', 'file_name', 'expire_sec', 'revision_id'],
    },
    // ref GetDownloadUrlResponseBody, then tea GetDownloadUrlResponse's own
    response: ['cdn_url', 'content_hash', 'content_hash_name', 'crc64_hash', 'expiration', 'internal_url', 'size', 'url', 'method', 'ratelimit', 'streams_url'],
  },
  '/v2/share_link/create': {
    request: {
      tea: ['addition_data', 'description', 'drive_id', 'expiration', 'file_id', 'file_id_list', 'file_path_list', 'referer', 'share_name', 'share_pwd'],
      ref: [
        'creatable', 'creatable_file_id_list', 'description', 'disable_download', 'disable_preview', 'disable_save', 'download_limit', 'drive_id',
        'expiration', 'file_id_list', 'office_editable', 'preview_limit', 'require_login', 'save_limit', 'share_all_files', 'share_name', 'share_pwd', 'user_id',
      ],
    },
    response: [
      // tea BaseShareLinkResponse
      'created_at', 'creator', 'description', 'download_count', 'drive_id', 'expiration', 'expired', 'file_id', 'file_id_list', 'file_path_list',
      'preview_count', 'save_count', 'share_id', 'share_msg', 'share_name', 'share_policy', 'share_pwd', 'share_url', 'status', 'updated_at',
      // ref ShareLink structure
      'access_count', 'disable_download', 'disable_preview', 'disable_save', 'download_limit', 'office_editable', 'preview_limit', 'report_count',
      'save_download_limit', 'save_limit', 'share_all_files', 'video_preview_count',
    ],
  },
  '/v2/share_link/get_by_anonymous': {
    request: { tea: [], ref: ['share_id'] },
    response: [
      // tea and ref
      'access_count', 'avatar', 'creator_id', 'creator_name', 'creator_phone', 'disable_download', 'disable_preview', 'disable_save', 'download_count',
      'download_limit', 'expiration', 'has_pwd', 'preview_count', 'preview_limit', 'report_count', 'save_count', 'save_download_limit', 'save_limit',
      'share_name', 'updated_at', 'video_preview_count',
      // js IAnonymousShareLinkItem (SDK guide)
      'enable_upload', 'require_login',
    ],
  },
  '/v2/share_link/get_share_token': {
    request: { tea: [], ref: ['expire_sec', 'share_id', 'share_pwd'], js: ['share_id', 'share_pwd', 'expire_sec', 'check_share_pwd'] },
    response: ['expire_time', 'expires_in', 'share_token'],
  },
  '/v2/file/move': {
    request: {
      tea: ['auto_rename', 'category_list', 'drive_id', 'file_id', 'file_id_path', 'new_name', 'share_id', 'to_drive_id', 'to_parent_file_id', 'to_share_id'],
      ref: ['drive_id', 'file_id', 'to_parent_file_id', 'check_name_mode'],
    },
    response: ['domain_id', 'drive_id', 'file_id', 'async_task_id', 'exist', 'revision_id', 'file_name', 'updated_at'],
  },
  '/v2/file/copy': {
    request: {
      tea: ['addition_data', 'auto_rename', 'batch_id', 'drive_id', 'file_id', 'file_id_path', 'new_name', 'referer', 'share_id', 'to_drive_id', 'to_parent_file_id', 'to_share_id'],
      ref: ['drive_id', 'file_id', 'to_parent_file_id', 'to_drive_id', 'auto_rename'],
    },
    response: ['domain_id', 'drive_id', 'file_id', 'async_task_id'],
  },
  '/v2/file/get_by_path': {
    request: {
      tea: ['addition_data', 'drive_id', 'file_path', 'image_cropping_aspect_ratios', 'image_thumbnail_process', 'image_url_process', 'office_thumbnail_process', 'referer', 'sign_token', 'url_expire_sec', 'video_thumbnail_process'],
      ref: [],
    },
    response: [
      'action_list', 'auto_delete_left_sec', 'category', 'characteristic_hash', 'content_hash', 'content_hash_name', 'content_type', 'crc64_hash', 'created_at',
      'creator_id', 'creator_name', 'creator_type', 'custom_field_1', 'custom_field_2', 'custom_type', 'description', 'domain_id', 'download_url', 'drive_id',
      'encrypt_mode', 'ex_fields_info', 'file_extension', 'file_id', 'file_path_type', 'hidden', 'image_media_metadata', 'labels', 'last_modifier_id',
      'last_modifier_name', 'last_modifier_type', 'local_created_at', 'meta', 'mime_extension', 'mime_type', 'name', 'parent_file_id', 'punish_flag',
      'revision_id', 'share_id', 'size', 'starred', 'status', 'streams_info', 'thumbnail', 'trashed', 'trashed_at', 'type', 'updated_at', 'upload_id', 'url',
      'user_meta', 'user_tags', 'video_media_metadata', 'video_preview_metadata',
    ],
  },
  '/v2/file/update': {
    request: {
      tea: ['check_name_mode', 'custom_index_key', 'description', 'drive_id', 'encrypt_mode', 'file_id', 'file_id_path', 'hidden', 'labels', 'meta', 'name', 'referer', 'share_id', 'sign_token', 'starred', 'user_meta'],
      ref: ['drive_id', 'file_id', 'name', 'check_name_mode', 'description', 'labels', 'hidden', 'starred', 'local_modified_at'],
    },
    response: FILE_STRUCT,
  },
};
