// The part of piexifjs (an EXIF writer, used by tests to make images) that the tests use.
declare module 'piexifjs' {
  const piexif: {
    ImageIFD: Record<string, number>;
    ExifIFD: Record<string, number>;
    GPSIFD: Record<string, number>;
    /** The APP1 payload ("Exif\0\0" + TIFF) as a binary string. */
    dump(exif: Record<string, Record<number, unknown>>): string;
  };
  export default piexif;
}
