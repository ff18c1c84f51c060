// image_media_metadata of uploaded images, as the service fills it in: width, height, capture time
// and GPS location read from the EXIF of JPEG and HEIC content (exifr, a maintained EXIF reader).
// Kept per blob, so every file and revision with that content shows it.
import type { PdsImageMedia } from '../pds/wire-types.js';

interface ExifTags {
  DateTimeOriginal?: string;
  CreateDate?: string;
  OffsetTimeOriginal?: string;
  ExifImageWidth?: number;
  ExifImageHeight?: number;
  ImageWidth?: number;
  ImageHeight?: number;
  latitude?: number;
  longitude?: number;
  Make?: string;
  Model?: string;
}

const IMAGE_NAME = /\.(jpe?g|heic|heif)$/i;

/** Metadata of content (a file's path, or its bytes) named `name`; undefined when it is not an image with EXIF. */
export async function imageMedia(name: string, content: () => string | Buffer): Promise<PdsImageMedia | undefined> {
  if (!IMAGE_NAME.test(name)) return undefined;
  // Unreadable or absent EXIF is normal for images: no metadata then, never a failed upload.
  // Loaded on the first image: a server that never sees one does not carry the EXIF reader.
  const { default: exifr } = await import('exifr');
  const tags = (await exifr.parse(content(), { tiff: true, exif: true, gps: true, reviveValues: false }).catch(() => undefined)) as ExifTags | undefined;
  if (!tags) return undefined;
  const media: PdsImageMedia = {};
  const width = tags.ExifImageWidth ?? tags.ImageWidth;
  const height = tags.ExifImageHeight ?? tags.ImageHeight;
  if (width) media.width = width;
  if (height) media.height = height;
  const time = exifTime(tags.DateTimeOriginal ?? tags.CreateDate, tags.OffsetTimeOriginal);
  if (time) media.time = time;
  if (Number.isFinite(tags.latitude) && Number.isFinite(tags.longitude)) media.location = `${tags.latitude!.toFixed(6)},${tags.longitude!.toFixed(6)}`;
  const exif = Object.fromEntries(Object.entries(tags).filter(([, v]) => typeof v === 'string' || typeof v === 'number'));
  media.exif = JSON.stringify(exif);
  return media;
}

/** EXIF "YYYY:MM:DD HH:MM:SS" (local time of the camera) → ISO; UTC unless an offset is recorded. */
function exifTime(value: string | undefined, offset: string | undefined): string | undefined {
  const m = /^(\d{4}):(\d\d):(\d\d)[ T](\d\d):(\d\d):(\d\d)/.exec(value ?? '');
  if (!m) return undefined;
  const zone = offset && /^[+-]\d\d:\d\d$/.test(offset) ? offset : 'Z';
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
