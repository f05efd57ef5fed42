import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../src/run/config.js';
import { configFromOptions } from '../src/run/options.js';
import { accuracyMatrixCsv, averageForgetting, averageIncrementalAccuracy, matrixMetrics } from '../src/cil/metrics.js';
import { stepsFrame } from '../src/run/results.js';
import { runExperiment, type RunResult } from '../src/run/runner.js';
import { buildScenario } from '../src/cil/scenario.js';
import { baseTask } from '../src/cil/base-task.js';
import { numpyPermutation } from '../src/util/mt19937.js';
import { extractFeatures } from '../src/features/extract.js';
import type { FeatureSet } from '../src/features/cache.js';
import { fitBernoulliMixtures } from '../src/memory/em.js';
import { requireData, tmpDir } from './helpers.js';

const SUBSET = { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], trainPerClass: 200, testPerClass: 50 };

describe('class-incremental runner', () => {
  let feats: FeatureSet;
  const runs: Record<string, RunResult> = {};

  before(async function () {
    requireData(this, 'tiny-imagenet-200.zip');
    feats = await extractFeatures({ dataset: 'tinyimagenet', subset: SUBSET, progress: false, log: () => {} });
    for (const replay of ['pseudo', 'none'] as const) {
      // A 10-class subset renumbers the order: the default backbone saw some incremental classes (allowed for this test).
      runs[replay] = await runExperiment(
        {
          features: { dataset: 'tinyimagenet', subset: SUBSET },
          scenario: { baseClasses: 4, tasks: 3, allowBackboneOverlap: true },
          replay,
          classifier: { epochs: 15 },
        },
        { features: feats, progress: false },
      );
    }
  });

  it('runs 10 real TinyImageNet classes in 3 tasks far above chance, and pseudo-replay beats no replay', () => {
    const p = runs.pseudo;
    const n = runs.none;
    assert.equal(p.steps.length, 4);
    assert.deepEqual(
      p.steps.map((s) => s.seenClasses),
      [4, 6, 8, 10],
    );
    assert.ok(p.summary.finalAccuracy > 3 * 0.1, `final accuracy ${p.summary.finalAccuracy} (chance 0.1)`);
    assert.ok(p.summary.finalAccuracy > n.summary.finalAccuracy + 0.1, `pseudo ${p.summary.finalAccuracy} vs none ${n.summary.finalAccuracy}`);
    assert.ok(p.summary.averageForgetting < n.summary.averageForgetting);
    // Fine-tuning on new classes only forgets the old ones almost entirely.
    assert.ok(n.steps[3].oldAccuracy < 0.15, `no replay keeps ${n.steps[3].oldAccuracy} on old classes`);
  });

  it('reports consistent metrics, memory and a rerunnable config', () => {
    const p = runs.pseudo;
    assert.ok(Math.abs(p.summary.averageIncrementalAccuracy - averageIncrementalAccuracy(p.steps.map((s) => s.accuracy))) < 1e-12);
    // The matrix is the per-group accuracies, and its weighted rows are the A_t measured directly on all seen images.
    assert.deepEqual(
      p.accuracyMatrix,
      p.steps.map((s) => s.groupAccuracy),
    );
    assert.deepEqual(p.testImagesPerStep, [4 * 50, 2 * 50, 2 * 50, 2 * 50]);
    matrixMetrics(p.accuracyMatrix, p.testImagesPerStep).stepAccuracy.forEach((a, t) => assert.ok(Math.abs(a - p.steps[t].accuracy) < 1e-12));
    assert.ok(Math.abs(p.summary.averageIncrementalAccuracyNoBase - averageIncrementalAccuracy(p.steps.slice(1).map((s) => s.accuracy))) < 1e-12);
    assert.equal(p.summary.memoryBits, 10 * (8 * p.codeLength * 32 + 8 * 32));
    assert.equal(p.config.seed, 1993);
    assert.equal(p.classOrder.length, 10);
    assert.deepEqual(
      [...p.classOrder].sort((a, b) => a - b),
      SUBSET.classes,
    );
    const df = stepsFrame(p);
    assert.deepEqual(df.shape, [4, 24]);
    assert.deepEqual(
      df.column('train_images').values,
      p.steps.map((s) => s.trainImages),
    );
    assert.deepEqual([...new Set(df.column('scenario').values as string[])], ['class-incremental']);
    // GBM's own statistics (StepStats.extra) become columns as they are; no-replay fine-tuning has none of them.
    for (const c of ['em_iterations', 'em_log_likelihood', 'em_reseeds']) assert.ok(df.columns.includes(c), `steps.csv lacks ${c}`);
    assert.ok(p.steps.every((s) => s.extra.emIterations >= 1 && Number.isFinite(s.extra.emLogLikelihood)));
    assert.ok(!stepsFrame(runs.none).columns.includes('em_iterations'));
    assert.ok(p.environment.backend.length > 0 && p.environment.tfjs.length > 0);
  });

  it("rereads a run's config from its results.json, flags overriding", () => {
    const dir = tmpDir('rerun');
    const file = path.join(dir, 'results.json');
    fs.writeFileSync(file, JSON.stringify(runs.pseudo));
    const cfg = resolveConfig(configFromOptions({ config: file, K: 4 }));
    assert.deepEqual({ ...cfg, memory: { ...cfg.memory, em: { ...cfg.memory.em, K: 8 } } }, runs.pseudo.config);
    assert.equal(cfg.memory.em.K, 4);
    // The configs/ vocabulary is a config file too: options by config path or flag, flags still winning.
    const flat = path.join(dir, 'flat.json');
    fs.writeFileSync(flat, JSON.stringify({ 'memory.em.K': 2, levels: 2, 'method.name': 'gbm' }));
    const fc = resolveConfig(configFromOptions({ config: flat, seed: 5 }));
    assert.deepEqual([fc.memory.em.K, fc.binarizer.levels, fc.seed], [2, 2, 5]);
    assert.deepEqual(resolveConfig(configFromOptions({ config: path.join(__dirname, '..', 'configs', 'default.json') })), resolveConfig({}));
    assert.throws(() => configFromOptions({ config: path.join(__dirname, '..', 'configs', 'baselines.json') }), /defines sweeps, not one run/);
  });

  it('gives identical results for the same seed', async () => {
    const again = await runExperiment(runs.pseudo.config, { features: feats, progress: false });
    assert.deepEqual(
      again.steps.map((s) => s.accuracy),
      runs.pseudo.steps.map((s) => s.accuracy),
    );
  });

  it('rejects NaN features before any work', async () => {
    const bad = { ...feats, train: { ...feats.train, features: Float32Array.from(feats.train.features) } };
    bad.train.features[37] = NaN;
    await assert.rejects(runExperiment(runs.pseudo.config, { features: bad, progress: false }), /train features contain NaN at row 0, column 37/);
  });
});

describe('metrics and scenario', () => {
  it('the base task of a class subset: its ids in the seeded order, and only their rows', () => {
    // Classes 3, 5, ..., 13 (a subset keeps its ids); 4 rows each, feature = the class id.
    const ids = [3, 5, 7, 9, 11, 13];
    const labels = Int32Array.from(ids.flatMap((c) => [c, c, c, c]));
    const split = { features: Float32Array.from(labels), labels, count: labels.length, dim: 1 };
    const bt = baseTask({ train: split, test: split }, { baseClasses: 2, tasks: 2, orderSeed: 1993 });
    const perm = numpyPermutation(6, 1993);
    assert.deepEqual(
      bt.order,
      perm.map((i) => ids[i]),
    );
    assert.deepEqual(bt.baseIds, bt.order.slice(0, 2));
    assert.equal(bt.train.n, 8);
    assert.deepEqual([...bt.train.x].sort(), [...bt.baseIds, ...bt.baseIds, ...bt.baseIds, ...bt.baseIds].sort());
    assert.deepEqual([...new Set(bt.train.y)].sort(), [0, 1]);
  });

  it('computes average forgetting as in Chaudhry et al. on a known case', () => {
    // groups: after step 0: [0.8]; step 1: [0.6, 0.9]; step 2: [0.5, 0.7, 0.95]
    const f = averageForgetting([[0.8], [0.6, 0.9], [0.5, 0.7, 0.95]]);
    assert.ok(Math.abs(f - (0.8 - 0.5 + (0.9 - 0.7)) / 2) < 1e-12);
    assert.equal(averageForgetting([[0.5]]), 0);
  });

  it('derives A_t, both average incremental accuracies, forgetting and backward transfer from a hand-worked matrix', () => {
    // Groups of 100, 50 and 50 test images. A_1 = (0.85*100 + 0.9*50) / 150 = 130/150; A_2 = (50 + 35 + 47.5) / 200.
    const m = matrixMetrics([[0.8], [0.85, 0.9], [0.5, 0.7, 0.95]], [100, 50, 50]);
    const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
    [0.8, 130 / 150, 132.5 / 200].forEach((v, t) => close(m.stepAccuracy[t], v));
    close(m.averageIncrementalAccuracy, (0.8 + 130 / 150 + 132.5 / 200) / 3);
    close(m.averageIncrementalAccuracyNoBase, (130 / 150 + 132.5 / 200) / 2);
    close(m.finalAccuracy, 132.5 / 200);
    // Forgetting takes the best earlier accuracy (0.85 after step 1, not 0.8 at step 0); BWT takes the accuracy when learnt.
    close(m.averageForgetting, (0.85 - 0.5 + (0.9 - 0.7)) / 2);
    close(m.backwardTransfer, (0.5 - 0.8 + (0.7 - 0.9)) / 2);
    // A base step alone: no incremental steps, nothing forgotten.
    const one = matrixMetrics([[0.4]], [10]);
    assert.ok(Number.isNaN(one.averageIncrementalAccuracyNoBase));
    assert.equal(one.backwardTransfer, 0);
    assert.equal(one.averageForgetting, 0);
    assert.equal(accuracyMatrixCsv([[0.8], [0.85, 0.9]]), 'step,task_0,task_1\n0,80.0000,\n1,85.0000,90.0000\n');
    assert.throws(() => matrixMetrics([[0.8], [0.85]], [1, 1]), /row 1 has 1 entries, expected 2/);
    assert.throws(() => matrixMetrics([[0.8]], [1, 1]), /2 group sizes for 1 steps/);
  });

  it('splits classes as the protocol says and refuses more tasks than classes', () => {
    const s = buildScenario(200, { baseClasses: 100, tasks: 5, orderSeed: 1993 });
    assert.deepEqual(
      s.steps.map((t) => t.length),
      [100, 20, 20, 20, 20, 20],
    );
    const cifar = buildScenario(100, { baseClasses: 50, tasks: 10, orderSeed: 1993 });
    assert.deepEqual(cifar.order.slice(0, 10), [68, 56, 78, 8, 23, 84, 90, 65, 74, 76]);
    assert.deepEqual(
      cifar.steps.map((t) => t.length),
      [50, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
    );
    assert.deepEqual(
      buildScenario(10, { baseClasses: 3, tasks: 3, orderSeed: 1 }).steps.map((t) => t.length),
      [3, 3, 2, 2],
    );
    assert.throws(() => buildScenario(10, { baseClasses: 5, tasks: 6, orderSeed: 1 }), /6 tasks cannot share the 5 classes left.*more tasks than classes/);
    assert.throws(() => buildScenario(10, { baseClasses: 11, tasks: 1, orderSeed: 1 }), /base classes = 11/);
  });

  it('checks the config before any long work: K < 1, p < 1, unknown options', async () => {
    assert.throws(() => resolveConfig({ memory: { em: { K: 0 } } }), /K = 0 components/);
    assert.throws(() => resolveConfig({ binarizer: { kind: 'thermometer', levels: 0 } }), /levels p = 0/);
    assert.throws(() => resolveConfig({ replay: 'maybe' as never }), /replay "maybe"/);
    assert.throws(() => resolveConfig({ memory: { muBits: 5 as never } }), /mu precision 5 bits/);
    await assert.rejects(fitBernoulliMixtures({ codes: [new Uint8Array(16)], dim: 8 }, { K: 3 }), /class 0 has 2 samples, fewer than K = 3/);
  });

  it('gbm run refuses an unwritable results folder and a bad K before extracting anything', () => {
    const dir = tmpDir('ro-results');
    fs.writeFileSync(path.join(dir, 'blocker'), 'x');
    const gbm = path.resolve(__dirname, '..', 'bin', 'gbm');
    const r1 = spawnSync(process.execPath, [gbm, 'run', '--results', path.join(dir, 'blocker', 'sub'), '--no-figure'], { encoding: 'utf8' });
    assert.equal(r1.status, 2);
    assert.match(r1.stderr, /results folder .* is not writable/);
    const r2 = spawnSync(process.execPath, [gbm, 'run', '--K', '0'], { encoding: 'utf8' });
    assert.equal(r2.status, 2);
    assert.match(r2.stderr.trim(), /^gbm: K = 0 components: must be an integer >= 1\. Fix: use --K 8/);
    const r3 = spawnSync(process.execPath, [gbm, 'run', '--tasks', '150', '--no-figure'], { encoding: 'utf8' });
    assert.equal(r3.status, 2);
    assert.match(r3.stderr, /150 tasks cannot share the 100 classes left/);
  });
});
