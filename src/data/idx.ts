import fs from 'node:fs';
import zlib from 'node:zlib';
import { GbmError } from '../util/errors.js';

/** An IDX array (the MNIST file format): shape and raw uint8 values. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Parse an IDX file (optionally gzipped) of unsigned bytes, checking magic number and size. */
export function readIdx(file: string): IdxArray {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
    if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  } catch (err) {
    throw new GbmError(`cannot read IDX file ${file}: ${(err as Error).message}.`, 'reinstall or re-download it.');
  }
  return parseIdx(buf, file);
}

/** Parse IDX bytes; `source` names the file in errors. */
export function parseIdx(buf: Uint8Array, source: string): IdxArray {
  const fix = 'the file is not a valid IDX file: re-download it.';
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new GbmError(`${source}: bad IDX magic number.`, fix);
  if (buf[2] !== 0x08) throw new GbmError(`${source}: IDX type 0x${buf[2].toString(16)} is not unsigned byte.`, fix);
  const dims = buf[3];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4 + 4 * dims) throw new GbmError(`${source}: truncated IDX header.`, fix);
  const shape: number[] = [];
  for (let i = 0; i < dims; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const n = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * dims;
  if (buf.length - start !== n) throw new GbmError(`${source}: IDX body has ${buf.length - start} bytes, header says ${n}.`, fix);
  return { shape, data: buf.subarray(start) };
}
