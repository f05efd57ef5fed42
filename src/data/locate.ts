import fs from 'node:fs';
import path from 'node:path';
import { downloadFile, type Digest } from '../util/download.js';
import { GbmError } from '../util/errors.js';
import { digestFileMemo } from '../util/hash.js';
import { PROJECT_ROOT } from '../util/project.js';

/**
 * Folders searched for datasets and weights, in order: $GBM_DATA_DIR, the project's data/, and a shared data
 * folder beside the checkout (../shared/data), as team machines have.
 */
export function dataDirs(): string[] {
  const dirs = [process.env.GBM_DATA_DIR, path.join(PROJECT_ROOT, 'data'), path.join(PROJECT_ROOT, '..', 'shared', 'data')];
  return [...new Set(dirs.filter((d): d is string => !!d).map((d) => path.resolve(d)))];
}

/** Where downloads are written: $GBM_DATA_DIR if set, else the project's data/. */
export function downloadDir(): string {
  return path.resolve(process.env.GBM_DATA_DIR || path.join(PROJECT_ROOT, 'data'));
}

/** The folder for derived caches (features, checksums): $GBM_CACHE_DIR or data/cache. */
export function cacheDir(): string {
  return path.resolve(process.env.GBM_CACHE_DIR || path.join(PROJECT_ROOT, 'data', 'cache'));
}

/** A file a dataset or backbone needs, with its official download address. */
export interface RemoteFile {
  /** Path relative to a data folder, e.g. "tiny-imagenet-200.zip". */
  relPath: string;
  /** Official address. */
  url: string;
  digest?: Digest;
  /** What it is, for messages. */
  what: string;
}

/**
 * The copy of an official file in the data folders, checked against its published digest (memoised), or null when
 * there is none; a mismatch names the file and the fix. (locateOrDownload does not check local copies: the shared
 * TinyImageNet zip legitimately differs from the official one, lacking test/.)
 */
export function findOfficialFile(file: RemoteFile): string | null {
  const found = findDataPath(file.relPath);
  if (!found || !file.digest) return found;
  const got = digestFileMemo(found, file.digest.algorithm, path.join(cacheDir(), 'checksums.json'));
  if (got !== file.digest.hex) {
    throw new GbmError(
      `${found} has ${file.digest.algorithm} ${got}, but the official ${path.basename(file.relPath)} has ${file.digest.hex}: truncated, corrupt, or another file.`,
      `delete it and download it again from ${file.url} (or pass your own copy with --root, which is read without the official checksum).`,
    );
  }
  return found;
}

/** First existing copy of `rel` in the data folders, or null. */
export function findDataPath(rel: string): string | null {
  for (const dir of dataDirs()) {
    const p = path.join(dir, rel);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/**
 * Find a dataset or weights file in the data folders; when absent, download it from its official address
 * (progress bar, checksum) unless GBM_OFFLINE=1; when that fails too, say where to put it.
 */
export async function locateOrDownload(file: RemoteFile): Promise<string> {
  const found = findDataPath(file.relPath);
  if (found) return found;
  const dest = path.join(downloadDir(), file.relPath);
  if (process.env.GBM_OFFLINE === '1') {
    throw new GbmError(
      `${file.what} (${file.relPath}) is not in ${dataDirs().join(', ')}, and downloads are off (GBM_OFFLINE=1).`,
      `download ${file.url} by hand and put it at ${dest}, or set GBM_DATA_DIR to the folder that holds ${file.relPath}.`,
    );
  }
  try {
    process.stderr.write(`${file.what} not found in ${dataDirs().join(', ')}; downloading ${file.url}\n`);
    await downloadFile(file.url, dest, file.digest);
    return dest;
  } catch (err) {
    if (err instanceof GbmError) throw err;
    throw new GbmError(
      `${file.what} (${file.relPath}) is missing and could not be downloaded from ${file.url} (${(err as Error).message}).`,
      `download it by hand and put it at ${dest}, or set GBM_DATA_DIR to the folder that holds ${file.relPath}.`,
    );
  }
}
