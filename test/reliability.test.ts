import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readJsonOrNull, writeFileAtomic, writeJsonAtomic } from '../src/util/atomic.js';
import { writeRunResults } from '../src/run/results.js';
import { runExperiment, type RunResult } from '../src/run/runner.js';
import type { FeatureSet } from '../src/features/cache.js';
import { closeFigureRenderer } from '../src/figures/render.js';
import { resolveConfig } from '../src/run/config.js';
import { makeImageFolder, tmpDir, withEnv } from './helpers.js';

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
    withWriteSync(
      ((fd: number, buf: NodeJS.ArrayBufferView, off?: number, len?: number) => {
        calls++;
        return real(fd, buf, off ?? 0, Math.min(len ?? buf.byteLength, 1000));
      }) as typeof fs.writeSync,
      () => writeJsonAtomic(file, value),
    );
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
    withWriteSync(
      ((fd: number, buf: NodeJS.ArrayBufferView, off?: number, len?: number) => {
        if (n >= 4096) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        const w = real(fd, buf, off ?? 0, Math.min(len ?? buf.byteLength, 4096 - n));
        n += w;
        return w;
      }) as typeof fs.writeSync,
      () => {
        assert.throws(
          () => writeJsonAtomic(file, { big: 'x'.repeat(20000) }),
          (e: Error) =>
            e.name === 'GbmError' &&
            new RegExp(
              `^cannot write ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the disk is full \\(ENOSPC\\); it was left as it was\\. Fix: free space`,
            ).test(e.message),
        );
      },
    );
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

describe('a figure that cannot be drawn never loses the run', () => {
  it('writes results.json and the CSVs first; the figure failure is a warning naming the fix; no stale figure is left', async () => {
    const make = (n: number) => {
      const features = new Float32Array(4 * n * 3);
      const labels = new Int32Array(4 * n);
      for (let i = 0; i < 4 * n; i++) {
        labels[i] = i % 4;
        for (let d = 0; d < 3; d++) features[i * 3 + d] = labels[i] === d ? 5 : 1 + 0.01 * (i % 7);
      }
      return { features, labels, count: 4 * n, dim: 3 };
    };
    const feats: FeatureSet = { dir: '(in memory)', train: make(10), test: make(5), meta: { notes: [] } as unknown as FeatureSet['meta'] };
    const r: RunResult = await runExperiment(
      { features: { dataset: 'npy', backbone: 'external', path: '/unused' }, scenario: { baseClasses: 2, tasks: 1 }, method: { name: 'ncm' } },
      { features: feats, progress: false },
    );
    const dir = tmpDir('figure-fail');
    // A figure of an earlier run in the same folder.
    fs.writeFileSync(path.join(dir, 'accuracy.png'), 'old');
    await closeFigureRenderer();
    // A "browser" that exists but cannot start (the Playwright failure that used to end the run with no results.json).
    const out = await withEnv({ GBM_CHROMIUM: '/bin/false' }, () => writeRunResults(dir, r, true));
    await closeFigureRenderer();
    assert.equal(readJsonOrNull<RunResult>(path.join(dir, 'results.json'))?.format, 'gbm-run/1');
    assert.ok(fs.existsSync(path.join(dir, 'steps.csv')) && fs.existsSync(path.join(dir, 'accuracy_matrix.csv')));
    assert.ok(!fs.existsSync(path.join(dir, 'accuracy.png')), "the earlier run's figure was left beside the new results");
    assert.equal(out.warnings.length, 1);
    assert.match(out.warnings[0], /^the accuracy figure was not drawn \(.*\); results\.json and the CSV files are complete\. Fix: run `npm run setup`/);
  });
});

describe('inputs the protocol cannot use are refused before any work', () => {
  it('no test images: one line, not a run of null accuracies', async () => {
    const train = {
      features: Float32Array.from({ length: 40 * 3 }, (_, i) => (i % 3) + (i % 7) / 10),
      labels: Int32Array.from({ length: 40 }, (_, i) => i % 4),
      count: 40,
      dim: 3,
    };
    const feats: FeatureSet = {
      dir: '/data/my-features',
      train,
      test: { features: new Float32Array(0), labels: new Int32Array(0), count: 0, dim: 3 },
      meta: { notes: [] } as unknown as FeatureSet['meta'],
    };
    await assert.rejects(
      runExperiment(
        { features: { dataset: 'npy', backbone: 'external', path: '/unused' }, scenario: { baseClasses: 2, tasks: 1 }, method: { name: 'ncm' } },
        { features: feats, progress: false },
      ),
      /^GbmError: no test images in \/data\/my-features: accuracy cannot be measured\. Fix: give the dataset a test split/,
    );
  });
});

describe('an image folder gets a protocol that fits it', () => {
  it("half its classes as the base task and the rest in up to 5 tasks, not TinyImageNet's B100", () => {
    const protocol = (n: number) => {
      const root = tmpDir(`folder-${n}`);
      makeImageFolder(
        root,
        Array.from({ length: n }, (_, i) => `c${i}`),
        { train: 1, test: 1 },
        8,
      );
      const s = resolveConfig({ features: { dataset: 'imagefolder', root } }).scenario;
      return [s.baseClasses, s.tasks];
    };
    assert.deepEqual(protocol(3), [2, 1]);
    assert.deepEqual(protocol(6), [3, 3]);
    assert.deepEqual(protocol(40), [20, 5]);
    // Given options still win.
    const root = tmpDir('folder-given');
    makeImageFolder(root, ['a', 'b', 'c', 'd'], { train: 1, test: 1 }, 8);
    assert.deepEqual(resolveConfig({ features: { dataset: 'imagefolder', root }, scenario: { baseClasses: 3, tasks: 1 } }).scenario.baseClasses, 3);
  });
});
