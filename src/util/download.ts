import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { GbmError } from './errors.js';
import { Progress } from './progress.js';

/** Expected digest of a download: algorithm and hex value. */
export interface Digest {
  algorithm: 'md5' | 'sha256';
  hex: string;
}

function get(url: string, redirects = 5): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { timeout: 30000 }, (res) => {
      const loc = res.headers.location;
      if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && loc && redirects > 0) {
        res.resume();
        resolve(get(new URL(loc, url).toString(), redirects - 1));
      } else if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode} from ${url}`));
      } else resolve(res);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out connecting to ${url}`)));
    req.on('error', reject);
  });
}

/**
 * Download `url` to `dest` with a progress bar, verifying `digest` before the file appears under its final
 * name (a failed or interrupted download never leaves a partial file behind).
 */
export async function downloadFile(url: string, dest: string, digest?: Digest): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.download-${process.pid}`;
  try {
    const res = await get(url);
    const total = Number(res.headers['content-length'] ?? 0);
    const bar = new Progress({ label: `download ${path.basename(dest)}`, total: Math.max(1, Math.round(total / 1e6)), unit: 'MB' });
    const hash = digest ? crypto.createHash(digest.algorithm) : null;
    const out = fs.createWriteStream(tmp);
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        hash?.update(chunk);
        const before = Math.round(seen / 1e6);
        seen += chunk.length;
        const after = Math.round(seen / 1e6);
        if (after > before) bar.tick(after - before);
      });
      res.on('error', reject);
      out.on('error', reject);
      out.on('finish', () => resolve());
      res.pipe(out);
    });
    bar.finish();
    if (hash && digest) {
      const got = hash.digest('hex');
      if (got !== digest.hex) {
        throw new GbmError(
          `download of ${url} has ${digest.algorithm} ${got}, expected ${digest.hex}.`,
          'retry; if it persists, the server copy changed: report it.',
        );
      }
    }
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
