// A small extract of official field names, for the contract test (pds-fields.test.ts). Only the
// endpoints listed; names copied, nothing else.
//
// Sources (public):
// - tea: the official SDK spec, repository aliyun/alibabacloud-pds-sdk, file pds/main.tea — request
//   models MoveFileRequest, CopyFileRequest, UpdateFileMetaRequest and the file model
//   BaseCCPFileResponse (as generated from it in pds/csharp/core/Models/*.cs of the same repository);
//   GetFileByPathRequest and GetFileByPathResponse (the reference has no page for file/get_by_path).
// - ref: the PDS API reference (pds-2022-03-01) pages MoveFile, CopyFile and UpdateFile on
//   alibabacloud.com/help/en/pds/drive-and-photo-service-dev/developer-reference/ (api-pds-2022-03-01-movefile,
//   -copyfile, -updatefile), and its File structure (api-pds-2022-03-01-struct-file).

export interface SpecFields {
  request: Record<'tea' | 'ref', readonly string[]>;
  response: readonly string[];
}

/** The file object: the tea model's fields, and the reference's File structure's. */
const FILE_STRUCT = [
  // tea BaseCCPFileResponse
  'category', 'characteristic_hash', 'content_hash', 'content_hash_name', 'content_type', 'crc64_hash', 'created_at', 'description',
  'domain_id', 'download_url', 'drive_id', 'encrypt_mode', 'file_extension', 'file_id', 'hidden', 'image_media_metadata', 'labels',
  'meta', 'name', 'parent_file_id', 'punish_flag', 'share_id', 'size', 'starred', 'status', 'streams_info', 'thumbnail', 'trashed_at',
  'type', 'updated_at', 'upload_id', 'url', 'user_meta', 'video_media_metadata', 'video_preview_metadata',
  // ref File structure
  'mime_type', 'mime_extension', 'local_created_at', 'local_modified_at', 'revision_id',
] as const;

export const SPEC: Record<string, SpecFields> = {
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
