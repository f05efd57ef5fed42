import fs from 'node:fs';
import path from 'node:path';
import { ERRNO, GbmError } from './errors.js';

let counter = 0;

/**
 * Write a file so readers only ever see the old or the complete new content: a temp file written in full (short
 * writes continued, the length checked), fsynced, then renamed over the target. A full disk or a refused write is
 * one GbmError naming the file, and leaves the target as it was.
 */
export function writeFileAtomic(file: string, data: string | NodeJS.ArrayBufferView): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${counter++}`;
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'w');
    let off = 0;
    while (off < buf.length) {
      const n = fs.writeSync(fd, buf, off, buf.length - off);
      if (!(n > 0)) throw Object.assign(new Error(`write returned ${n}`), { code: 'EIO' });
      off += n;
    }
    fs.fsyncSync(fd);
    const size = fs.fstatSync(fd).size;
    if (size !== buf.length) throw Object.assign(new Error(`${size} of ${buf.length} bytes on disk`), { code: 'EIO' });
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (ERRNO[code]) throw new GbmError(`cannot write ${file}: ${ERRNO[code][0]} (${code}); it was left as it was.`, ERRNO[code][1]);
    throw err;
  }
}

/** Read a JSON file written by writeJsonAtomic; null when it is missing or damaged (cut short, not JSON). */
export function readJsonOrNull<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** JSON variant of writeFileAtomic, pretty-printed so results files diff well. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Throw a clear error now, before long work, if `dir` cannot be created or written. */
export function assertWritableDir(dir: string, what: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new GbmError(`${what} folder ${dir} is not writable.`, 'point it at a folder you can write to.');
  }
}
