import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { GbmError } from '../util/errors.js';

/** A decoded image: HWC uint8 pixels with 1 (gray) or 3 (RGB) channels. */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** PNG bytes of row-major RGB pixels (figures embed them; tests write image fixtures with them). */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[4 * i] = rgb[3 * i];
    png.data[4 * i + 1] = rgb[3 * i + 1];
    png.data[4 * i + 2] = rgb[3 * i + 2];
    png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** File endings the image decoders accept. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png'];

function isPng(b: Uint8Array): boolean {
  return b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function isJpeg(b: Uint8Array): boolean {
  return b.length > 3 && b[0] === 0xff && b[1] === 0xd8;
}

/** Decode a JPEG or PNG file's bytes into RGB pixels; `source` names the file in errors. */
export function decodeImage(bytes: Uint8Array, source: string): RawImage {
  try {
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 256 });
      return { width: img.width, height: img.height, channels: 3, data: img.data as Uint8Array };
    }
    if (isPng(bytes)) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      const n = png.width * png.height;
      const rgb = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) {
        rgb[3 * i] = png.data[4 * i];
        rgb[3 * i + 1] = png.data[4 * i + 1];
        rgb[3 * i + 2] = png.data[4 * i + 2];
      }
      return { width: png.width, height: png.height, channels: 3, data: rgb };
    }
  } catch (err) {
    throw new GbmError(
      `cannot decode image ${source}: ${(err as Error).message}.`,
      'replace or delete the corrupt file (a re-download restores dataset archives).',
    );
  }
  throw new GbmError(`cannot decode image ${source}: neither JPEG nor PNG.`, 'convert it to JPEG or PNG, or remove it.');
}
