import fs from 'node:fs';
import path from 'node:path';
import { GbmError } from './errors.js';

let counter = 0;

/** Write a file so readers only ever see the old or the complete new content (temp file, fsync, rename). */
export function writeFileAtomic(file: string, data: string | NodeJS.ArrayBufferView): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${counter++}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data as NodeJS.ArrayBufferView);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** JSON variant of writeFileAtomic, pretty-printed so results files diff well. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
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
