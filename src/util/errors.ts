/** An error a user can act on: what was wrong (naming the file or option) and how to fix it. */
export class GbmError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(fix ? `${message} Fix: ${fix}` : message);
    this.name = 'GbmError';
  }
}

/** One line for the terminal: a GbmError's message, or the first line of anything else. */
export function errorLine(err: unknown): string {
  if (err instanceof GbmError) return `gbm: ${err.message}`;
  if (err instanceof Error) return `gbm: ${err.name}: ${err.message.split('\n')[0]}`;
  return `gbm: ${String(err)}`;
}

/** What a system error code means, and the fix to suggest: one table for every place that turns errno into a GbmError. */
export const ERRNO: Record<string, [string, string]> = {
  ENOSPC: ['the disk is full', 'free space on that disk, or point --results, --out or GBM_CACHE_DIR elsewhere, and run the same command again.'],
  EDQUOT: ['the disk quota is exceeded', 'free space, or point --results, --out or GBM_CACHE_DIR elsewhere.'],
  EACCES: ['permission denied', 'make it readable/writable for you, or point --results, --out, --root or GBM_CACHE_DIR elsewhere.'],
  EPERM: ['operation not permitted', 'make it writable for you, or point the option elsewhere.'],
  EROFS: ['the file system is read-only', 'point --results, --out or GBM_CACHE_DIR at a writable folder.'],
  ENOENT: ['no such file or folder', 'check the path (or that its data is in GBM_DATA_DIR, ./data or ../shared/data).'],
  EISDIR: ['it is a folder, not a file', 'pass the file inside it.'],
  ENOTDIR: ['a part of the path is a file, not a folder', 'check the path.'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n) or use fewer --workers.'],
  EIO: ['an I/O error (the data did not all reach the disk)', 'check the disk (space, health) and run the same command again.'],
};

/**
 * A failure the user can act on, as a GbmError: a GbmError itself, a system error with its path (a full disk, a
 * refused permission, a missing file), or a browser that cannot start for the figures. Null for anything else
 * (a bug: its stack is worth printing).
 */
export function asUserError(err: unknown): GbmError | null {
  if (err instanceof GbmError) return err;
  if (!(err instanceof Error)) return null;
  const e = err as NodeJS.ErrnoException;
  const known = e.code ? ERRNO[e.code] : undefined;
  if (known) return new GbmError(`cannot ${e.syscall ?? 'use'} ${e.path ?? '(a file)'}: ${known[0]} (${e.code}).`, known[1]);
  if (/browserType\.launch|Failed to launch|Executable doesn't exist/.test(e.message)) {
    return new GbmError(
      `the browser that draws figures could not start (${e.message.split('\n')[0].slice(0, 160)}).`,
      "run `npm run setup` (installs Debian's chromium), set GBM_CHROMIUM to a working Chrome/Chromium, or pass --no-figure.",
    );
  }
  return null;
}
