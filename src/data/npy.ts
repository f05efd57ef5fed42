import fs from 'node:fs';
import { GbmError } from '../util/errors.js';

/** An array read from a .npy file: its dtype descriptor, shape and values (row-major). */
export interface NpyArray {
  descr: string;
  shape: number[];
  data: Float32Array | Uint8Array | Int32Array;
}

/** float16 bits -> number (IEEE 754 half precision, subnormals and infinities included). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Read a .npy file (format versions 1-3, little-endian, C order). Floats come back as float32 (float16 widened
 * exactly), uint8 as bytes, integer labels as int32 (int64 values must fit). Anything else is a clear error.
 */
export function readNpy(file: string): NpyArray {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new GbmError(`cannot read ${file}: ${(e as Error).message}.`, 'check the path given to --features.');
  }
  const bad = (what: string, fix = 'write it with numpy.save.') => new GbmError(`${file} is not a valid .npy file: ${what}.`, fix);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw bad('missing the \\x93NUMPY magic');
  const major = buf[6];
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + lenBytes + headerLen;
  if (start > buf.length) throw bad('truncated header');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', 8 + lenBytes, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw bad(`unreadable header ${header.trim()}`);
  if (fortran === 'True') throw new GbmError(`${file} is stored in Fortran order.`, 'save np.ascontiguousarray(x) instead.');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const sizes: Record<string, number> = { '<f4': 4, '<f2': 2, '|u1': 1, '<u1': 1, '|b1': 1, '<i8': 8, '<i4': 4, '<i2': 2, '|i1': 1 };
  const size = sizes[descr];
  if (size === undefined) {
    throw new GbmError(
      `${file} has dtype ${descr}, which is not supported.`,
      'save features as float32, float16 or uint8 bits (x.astype(np.float32)) and labels as integers, little-endian.',
    );
  }
  if (buf.length - start < count * size) throw bad(`truncated data: ${buf.length - start} bytes for ${count} values of ${size} bytes`, 'write the file again.');
  const raw = Uint8Array.prototype.slice.call(buf, start, start + count * size);
  const view = new DataView(raw.buffer);
  let data: NpyArray['data'];
  if (descr === '<f4') data = new Float32Array(raw.buffer);
  else if (descr === '<f2') data = Float32Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(2 * i, true)));
  else if (size === 1 && descr !== '|i1') data = raw;
  else {
    data = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const v =
        size === 8
          ? Number(view.getBigInt64(8 * i, true))
          : size === 4
            ? view.getInt32(4 * i, true)
            : size === 2
              ? view.getInt16(2 * i, true)
              : view.getInt8(i);
      if (!Number.isSafeInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
        throw new GbmError(`${file} holds ${v} at index ${i}, outside int32.`, 'labels must be small integers.');
      data[i] = v;
    }
  }
  return { descr, shape, data };
}
