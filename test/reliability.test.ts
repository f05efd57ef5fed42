import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readJsonOrNull, writeFileAtomic, writeJsonAtomic } from '../src/util/atomic.js';
import { tmpDir } from './helpers.js';

/** Run f with fs.writeSync replaced (the write wrapper that stands in for a short write or a full disk). */
function withWriteSync(fake: typeof fs.writeSync, f: () => void): void {
  const real = fs.writeSync;
  (fs as { writeSync: typeof fs.writeSync }).writeSync = fake;
  try {
    f();
  } finally {
    (fs as { writeSync: typeof fs.writeSync }).writeSync = real;
  }
}

describe('writes are whole or absent', () => {
  it('continues short writes until every byte is on disk', () => {
    const file = path.join(tmpDir('atomic'), 'results.json');
    const value = { rows: Array.from({ length: 3000 }, (_, i) => ({ i, v: i / 7 })) };
    const real = fs.writeSync;
    let calls = 0;
    // At most 1,000 bytes per call, as a nearly full disk or a signal can leave a write.
    withWriteSync(((fd: number, buf: NodeJS.ArrayBufferView, off?: number, len?: number) => { calls++; return real(fd, buf, off ?? 0, Math.min(len ?? buf.byteLength, 1000)); }) as typeof fs.writeSync,
      () => writeJsonAtomic(file, value));
    assert.ok(calls > 50, `${calls} write calls`);
    assert.deepEqual(readJsonOrNull(file), value);
  });

  it('a full disk is one line naming the file and the fix; the old file stays and no temp file is left', () => {
    const dir = tmpDir('atomic-full');
    const file = path.join(dir, 'results.json');
    writeFileAtomic(file, '{"old": true}\n');
    const real = fs.writeSync;
    let n = 0;
    // The first 4,096 bytes go through, then ENOSPC: the case that used to leave a cut results.json.
    withWriteSync(((fd: number, buf: NodeJS.ArrayBufferView, off?: number, len?: number) => {
      if (n >= 4096) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const w = real(fd, buf, off ?? 0, Math.min(len ?? buf.byteLength, 4096 - n));
      n += w;
      return w;
    }) as typeof fs.writeSync, () => {
      assert.throws(() => writeJsonAtomic(file, { big: 'x'.repeat(20000) }), (e: Error) => e.name === 'GbmError'
        && new RegExp(`^cannot write ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the disk is full \\(ENOSPC\\); it was left as it was\\. Fix: free space`).test(e.message));
    });
    assert.equal(fs.readFileSync(file, 'utf8'), '{"old": true}\n');
    assert.deepEqual(fs.readdirSync(dir), ['results.json']);
  });

  it('reads a damaged JSON file as absent', () => {
    const dir = tmpDir('atomic-read');
    fs.writeFileSync(path.join(dir, 'cut.json'), '{"format": "gbm-run/1", "ste');
    assert.equal(readJsonOrNull(path.join(dir, 'cut.json')), null);
    assert.equal(readJsonOrNull(path.join(dir, 'missing.json')), null);
  });
});
