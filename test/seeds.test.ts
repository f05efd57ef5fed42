import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '../src/cli/run.js';
import { parseSeeds } from '../src/run/seeds.js';
import type { RunResult } from '../src/run/runner.js';
import { python, tmpDir } from './helpers.js';

/** Six Gaussian classes as .npy features (numpy-written), 40 train / 20 test rows each. */
function npyFeatures(): string {
  const feats = tmpDir('seeds-npy');
  python(
    `
import numpy as np, os, sys
d = sys.argv[1]; rng = np.random.default_rng(3)
centres = rng.random((6, 16)) * 4
for s, n in (('train', 40), ('test', 20)):
    y = np.repeat(np.arange(6), n)
    np.save(os.path.join(d, s + '_features.npy'), np.maximum(0, centres[y] + rng.standard_normal((6 * n, 16))).astype(np.float32))
    np.save(os.path.join(d, s + '_labels.npy'), y.astype(np.int64))`,
    [feats],
  );
  return feats;
}

/** runCommand with console.log captured. */
async function quietRun(o: Parameters<typeof runCommand>[0]): Promise<string[]> {
  const log: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => {
    log.push(a.join(' '));
  };
  try {
    await runCommand(o);
  } finally {
    console.log = orig;
  }
  return log;
}

describe('several seeds: gbm run --seeds', () => {
  it("runs each seed with the same class order, and reports mean ± sample std of the runs' own numbers", async () => {
    const feats = npyFeatures();
    const results = tmpDir('seeds-results');
    const log = await quietRun({ features: feats, 'base-classes': 2, tasks: 2, K: 2, epochs: 2, seeds: '7,8,9', results, 'no-figure': true });
    const dirs = fs.readdirSync(results).sort();
    const runDirs = dirs.filter((d) => /-s[789]-[0-9a-f]{8}$/.test(d));
    assert.equal(runDirs.length, 3, dirs.join(', '));
    const runs = runDirs.map((d) => JSON.parse(fs.readFileSync(path.join(results, d, 'results.json'), 'utf8')) as RunResult);
    assert.deepEqual(
      runs.map((r) => r.config.seed),
      [7, 8, 9],
    );
    // The seed moves the classifier, sampling and EM; the class order is the protocol's, the same for all.
    assert.deepEqual(runs[1].classOrder, runs[0].classOrder);
    assert.deepEqual(runs[2].classOrder, runs[0].classOrder);
    const sumDir = dirs.find((d) => /-seeds7_8_9-[0-9a-f]{8}$/.test(d))!;
    const s = JSON.parse(fs.readFileSync(path.join(results, sumDir, 'seeds.json'), 'utf8'));
    const v = runs.map((r) => r.summary.averageIncrementalAccuracy);
    const mean = (v[0] + v[1] + v[2]) / 3;
    const std = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
    assert.ok(Math.abs(s.metrics.averageIncrementalAccuracy.mean - mean) < 1e-12);
    assert.ok(Math.abs(s.metrics.averageIncrementalAccuracy.std - std) < 1e-12);
    const csv = fs
      .readFileSync(path.join(results, sumDir, 'seeds.csv'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(csv.length, 1 + 3 + 2);
    assert.match(
      log.join('\n'),
      new RegExp(`over 3 seeds \\(7, 8, 9\\), mean ± sample std:\\naverage incremental accuracy ${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)} %`),
    );
    // Each run also stores its accuracy matrix as CSV: a row per step, a column per task.
    assert.equal(fs.readFileSync(path.join(results, runDirs[0], 'accuracy_matrix.csv'), 'utf8').split('\n')[0], 'step,task_0,task_1,task_2');
  });

  it('gives every distinct config its own results folder, and never writes into one that holds another config', async () => {
    const feats = npyFeatures();
    const results = tmpDir('folders');
    await quietRun({ features: feats, 'base-classes': 2, tasks: 1, K: 2, epochs: 2, results, 'no-figure': true });
    await quietRun({ features: feats, 'base-classes': 2, tasks: 1, K: 2, epochs: 3, results, 'no-figure': true });
    const dirs = fs.readdirSync(results);
    assert.equal(dirs.length, 2, `--epochs 2 and 3 share a folder: ${dirs}`);
    const r = dirs.map((d) => JSON.parse(fs.readFileSync(path.join(results, d, 'results.json'), 'utf8')) as RunResult);
    assert.deepEqual(r.map((x) => x.config.classifier.epochs).sort(), [2, 3]);
    // A folder of that name holding another config's results is refused, left as it was.
    const [a, b] = dirs.map((d) => path.join(results, d, 'results.json'));
    const bBytes = fs.readFileSync(b);
    fs.copyFileSync(a, b);
    const planted = fs.readFileSync(b);
    const epochsOfB = JSON.parse(bBytes.toString()).config.classifier.epochs;
    await assert.rejects(
      quietRun({ features: feats, 'base-classes': 2, tasks: 1, K: 2, epochs: epochsOfB, results, 'no-figure': true }),
      /holds the results of another config/,
    );
    assert.deepEqual(fs.readFileSync(b), planted);
  });

  it('refuses a malformed or repeated seed list, and --seed with --seeds, naming the fix', async () => {
    assert.throws(() => parseSeeds('1993,x'), /--seeds "1993,x" is not a list of non-negative integers\. Fix: write e.g. --seeds 1993,1994,1995/);
    assert.throws(() => parseSeeds('5,5'), /repeats a seed/);
    assert.deepEqual(parseSeeds('1993, 1994,1995'), [1993, 1994, 1995]);
    await assert.rejects(runCommand({ seed: 1, seeds: '1,2' }), /--seed and --seeds were both given/);
  });
});
