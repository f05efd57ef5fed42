import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from './atomic.js';

/** sha256 of a whole file, streamed in 4 MiB reads. */
export function sha256File(file: string): string {
  return digestFile(file, 'sha256');
}

/** A digest (sha256, md5) of a whole file, streamed in 4 MiB reads. */
export function digestFile(file: string, algorithm: 'sha256' | 'md5'): string {
  const h = crypto.createHash(algorithm);
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** sha256 of an in-memory buffer or string. */
export function sha256(data: string | Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * sha256 of a large input file, remembered in `memoFile` under (path, size, mtime) so that a cache's
 * second use does not re-hash a 200 MB archive; any change to the file re-hashes it.
 */
export function sha256FileMemo(file: string, memoFile: string): string {
  return digestFileMemo(file, 'sha256', memoFile);
}

/** digestFile remembered in `memoFile` under (algorithm, path, size, mtime), as sha256FileMemo. */
export function digestFileMemo(file: string, algorithm: 'sha256' | 'md5', memoFile: string): string {
  const st = fs.statSync(file);
  const key = `${algorithm === 'sha256' ? '' : `${algorithm}|`}${path.resolve(file)}|${st.size}|${st.mtimeMs}`;
  let memo: Record<string, string> = {};
  try {
    memo = JSON.parse(fs.readFileSync(memoFile, 'utf8')) as Record<string, string>;
  } catch {
    memo = {};
  }
  const known = memo[key];
  if (known) return known;
  const digest = digestFile(file, algorithm);
  memo[key] = digest;
  try {
    writeJsonAtomic(memoFile, memo);
  } catch {
    // A read-only cache folder only costs a re-hash next time.
  }
  return digest;
}

/** Hash of a config (keys in a stable order, so it names the config, not how it was written): run folders' keys. */
export function configHash(c: unknown): string {
  const canon = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
        )
      : v;
  return sha256(JSON.stringify(canon(c))).slice(0, 10);
}
