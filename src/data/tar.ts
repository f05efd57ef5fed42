import fs from 'node:fs';
import zlib from 'node:zlib';
import { GbmError } from '../util/errors.js';

/** One regular file of a tar archive. */
export interface TarMember {
  name: string;
  data: Buffer;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  // GNU base-256 for sizes over 8 GiB: high bit of the first byte set.
  if (block[offset] & 0x80) {
    let v = 0;
    for (let i = offset + 1; i < offset + length; i++) v = v * 256 + block[i];
    return v;
  }
  const s = field(block, offset, length).trim();
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  return sum === octal(block, 148, 8);
}

/** The pax extended header's `path` record, if any. */
function paxPath(data: Buffer): string | undefined {
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (rec.slice(0, eq) === 'path') return rec.slice(eq + 1);
    pos += len;
  }
  return undefined;
}

/**
 * Every regular file of a tar archive (plain or gzip-compressed, ustar/GNU/pax), read into memory: the CIFAR
 * archives are about 170 MB unpacked. A truncated or corrupt archive is a clear error naming `file`.
 */
export function readTar(file: string, fix: string, wanted?: (name: string) => boolean): TarMember[] {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    throw new GbmError(`cannot read ${file}.`, fix);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf);
    } catch (err) {
      throw new GbmError(`${file} is not a complete gzip file (${(err as Error).message}): truncated or corrupt.`, fix);
    }
  }
  const members: TarMember[] = [];
  let pos = 0;
  let longName: string | undefined;
  let ended = false;
  while (pos + 512 <= buf.length) {
    const block = buf.subarray(pos, pos + 512);
    if (block.every((b) => b === 0)) {
      ended = true;
      break;
    }
    if (!checksumOk(block)) throw new GbmError(`${file}: tar header at byte ${pos} fails its checksum: corrupt archive.`, fix);
    const size = octal(block, 124, 12);
    const type = String.fromCharCode(block[156] || 0x30);
    const prefix = field(block, 345, 155);
    let name = field(block, 0, 100);
    if (block.subarray(257, 262).toString('ascii') === 'ustar' && prefix) name = `${prefix}/${name}`;
    const start = pos + 512;
    if (start + size > buf.length) {
      throw new GbmError(`${file} is truncated: member ${longName ?? name} needs ${size} bytes, ${buf.length - start} remain.`, fix);
    }
    const data = buf.subarray(start, start + size);
    pos = start + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g') continue;
    const finalName = (longName ?? name).replace(/^\.\//, '');
    longName = undefined;
    if ((type === '0' || type === '\0' || type === '7') && (!wanted || wanted(finalName))) members.push({ name: finalName, data });
  }
  if (!ended) throw new GbmError(`${file} is truncated: it ends without the tar end-of-archive blocks.`, fix);
  return members;
}
