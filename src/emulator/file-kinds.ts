// What a file name says about its content: extension, category and MIME type, as PDS reports them.
const CATEGORIES: Record<string, string[]> = {
  image: ['jpg', 'jpeg', 'png', 'gif', 'bmp', 'webp', 'heic', 'heif', 'tif', 'tiff', 'svg', 'raw', 'livp'],
  video: ['mp4', 'mkv', 'mov', 'avi', 'wmv', 'flv', 'webm', 'm4v', 'mpg', 'mpeg', 'ts', '3gp'],
  audio: ['mp3', 'flac', 'wav', 'm4a', 'aac', 'ogg', 'wma', 'ape', 'opus'],
  doc: ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'txt', 'md', 'rtf', 'csv', 'odt', 'ods', 'odp', 'epub', 'json', 'xml', 'html', 'htm'],
  zip: ['zip', 'rar', '7z', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'zst'],
  app: ['apk', 'exe', 'msi', 'dmg', 'ipa', 'deb', 'rpm', 'appimage'],
};

const MIME: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic',
  svg: 'image/svg+xml', bmp: 'image/bmp', mp4: 'video/mp4', mov: 'video/quicktime', mkv: 'video/x-matroska',
  webm: 'video/webm', avi: 'video/x-msvideo', mp3: 'audio/mpeg', flac: 'audio/flac', wav: 'audio/wav',
  m4a: 'audio/mp4', ogg: 'audio/ogg', pdf: 'application/pdf', txt: 'text/plain', md: 'text/markdown',
  csv: 'text/csv', json: 'application/json', xml: 'application/xml', html: 'text/html', htm: 'text/html',
  zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar', '7z': 'application/x-7z-compressed',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  apk: 'application/vnd.android.package-archive',
};

export function fileExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Extension → category, made once: a listing asks for every file's (2% of a file/list's CPU when it searched the lists each time). */
const CATEGORY_OF = new Map(Object.entries(CATEGORIES).flatMap(([category, exts]) => exts.map((ext) => [ext, category] as const)));

export function fileCategory(name: string): string {
  return CATEGORY_OF.get(fileExtension(name)) ?? 'others';
}

export function mimeType(name: string): string {
  return MIME[fileExtension(name)] ?? 'application/octet-stream';
}
