// Tiny images with EXIF for tests: the EXIF block comes from piexifjs; the JPEG is SOI + APP1 + EOI,
// the HEIC an ISO-BMFF file whose meta box names one "Exif" item (enough for EXIF readers).
import piexif from 'piexifjs';

export interface ExifFacts {
  /** "YYYY:MM:DD HH:MM:SS" */
  taken: string;
  /** Degrees, north and east positive. */
  latitude: number;
  longitude: number;
}

function dms(deg: number): [number, number][] {
  const d = Math.floor(deg);
  const m = Math.floor((deg - d) * 60);
  const s = Math.round(((deg - d) * 60 - m) * 60 * 100);
  return [[d, 1], [m, 1], [s, 100]];
}

/** "Exif\0\0" + TIFF. */
function exifBlock(f: ExifFacts): Buffer {
  const block = piexif.dump({
    '0th': { [piexif.ImageIFD.Make!]: 'pdsfs test' },
    Exif: { [piexif.ExifIFD.DateTimeOriginal!]: f.taken, [piexif.ExifIFD.PixelXDimension!]: 64, [piexif.ExifIFD.PixelYDimension!]: 48 },
    GPS: {
      [piexif.GPSIFD.GPSLatitudeRef!]: f.latitude >= 0 ? 'N' : 'S',
      [piexif.GPSIFD.GPSLatitude!]: dms(Math.abs(f.latitude)),
      [piexif.GPSIFD.GPSLongitudeRef!]: f.longitude >= 0 ? 'E' : 'W',
      [piexif.GPSIFD.GPSLongitude!]: dms(Math.abs(f.longitude)),
    },
  });
  return Buffer.from(block, 'binary');
}

export function jpegWithExif(f: ExifFacts): Buffer {
  const app1 = exifBlock(f);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(app1.length + 2);
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1]), len, app1, Buffer.from([0xff, 0xd9])]);
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function fullBox(type: string, version: number, ...parts: Buffer[]): Buffer {
  return box(type, Buffer.from([version, 0, 0, 0]), ...parts);
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export function heicWithExif(f: ExifFacts): Buffer {
  // HEIF Exif item: a 4-byte offset to the TIFF header, then the block ("Exif\0\0" is 6 bytes).
  const payload = Buffer.concat([u32(6), exifBlock(f)]);
  const ftyp = box('ftyp', Buffer.from('heic', 'latin1'), u32(0), Buffer.from('mif1heic', 'latin1'));
  const hdlr = fullBox('hdlr', 0, u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(12), Buffer.from([0]));
  const infe = fullBox('infe', 2, u16(1), u16(0), Buffer.from('Exif', 'latin1'), Buffer.from([0]));
  const iinf = fullBox('iinf', 0, u16(1), infe);
  const iloc = (offset: number) => fullBox('iloc', 0, Buffer.from([0x44, 0x00]), u16(1), u16(1), u16(0), u16(1), u32(offset), u32(payload.length));
  // The item's offset is absolute: the meta box's size does not depend on it (fixed-width field).
  const meta = (offset: number) => fullBox('meta', 0, hdlr, iinf, iloc(offset));
  const offset = ftyp.length + meta(0).length + 8;
  return Buffer.concat([ftyp, meta(offset), box('mdat', payload)]);
}
