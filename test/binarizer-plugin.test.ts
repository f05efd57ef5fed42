import assert from 'node:assert/strict';
import { tf } from '../src/backend/tf.js';
import type { Binarizer, BinarizerConfig, BinarizerSpec } from '../src/binarize/binarizer.js';
import { BINARIZERS } from '../src/binarize/registry.js';
import { columnPercentiles } from '../src/binarize/thermometer.js';
import { resolveConfig } from '../src/run/config.js';
import { configFromOptions, optionApplies, runOptions } from '../src/run/options.js';
import { runExperiment, runFolder, runName } from '../src/run/runner.js';
import { expandGrid } from '../src/sweep/grid.js';
import { python, tmpDir } from './helpers.js';

/**
 * A new binarizer, written as a user would: one bit per feature, set when the feature exceeds the q-th percentile
 * of its base-task values. This object (its own file in a real extension) and the one registry line below are all
 * it takes: flags, config checks, run names, sweeps and results follow from the registry.
 */
const QUANTILE_BINARIZER: BinarizerSpec = {
  kind: 'quantile',
  description: 'one bit per feature: above the q-th percentile of its base-task values',
  options: { q: { default: 50, help: 'percentile of the base-task values each feature is compared with', min: 1 } },
  defaults: { kind: 'quantile', q: 50 },
  check: (c) => {
    if (Number(c.q) >= 100) throw new Error(`quantile q = ${c.q} must be below 100`);
  },
  fit: async (c: BinarizerConfig, d): Promise<Binarizer> => {
    const cut = tf.tensor1d(columnPercentiles(d.features, d.n, d.dim, Number(c.q), 'per-dim'));
    return {
      config: c,
      inputDim: d.dim,
      codeLength: d.dim,
      encode: (x) => tf.tidy(() => tf.cast(tf.greater(x, cut), 'float32') as tf.Tensor2D),
      state: () => ({ kind: 'quantile', q: c.q }),
      dispose: () => cut.dispose(),
    };
  },
  tag: (c) => `quant-q${c.q}`,
};

describe('a new binarizer is one spec and one registry line', () => {
  before(() => {
    BINARIZERS.quantile = QUANTILE_BINARIZER;
  });
  after(() => {
    delete BINARIZERS.quantile;
  });

  it('gets a flag and a config path, is checked, and applies only where it is chosen', () => {
    const opt = runOptions().find((o) => o.name === 'q');
    assert.equal(opt?.path, 'binarizer.q');
    assert.equal(opt?.type, 'number');
    const c = resolveConfig(configFromOptions({ binarizer: 'quantile', q: 75 }));
    assert.deepEqual(c.binarizer, { kind: 'quantile', q: 75 });
    assert.deepEqual(resolveConfig(configFromOptions({ 'binarizer.kind': 'quantile' })).binarizer, { kind: 'quantile', q: 50 });
    assert.throws(() => resolveConfig(configFromOptions({ binarizer: 'quantile', q: 0 })), /quantile option q = 0 is out of range/);
    assert.throws(() => resolveConfig(configFromOptions({ binarizer: 'quantile', q: 100 })), /q = 100 must be below 100/);
    assert.ok(optionApplies('q', c));
    assert.ok(!optionApplies('levels', c));
    assert.ok(!optionApplies('q', resolveConfig({})));
    // In a sweep beside the thermometer: q is dropped where it does not apply, levels where it does not.
    const jobs = expandGrid({}, { 'binarizer.kind': ['thermometer', 'quantile'], 'binarizer.q': [25, 75], 'binarizer.levels': [1] });
    assert.deepEqual(
      jobs.map((j) => j.point),
      [
        { binarizer: 'thermometer', levels: 1 },
        { binarizer: 'quantile', q: 25 },
        { binarizer: 'quantile', q: 75 },
      ],
    );
    assert.deepEqual(
      jobs.map((j) => /-(thermo-p\d+|quant-q\d+)-K/.exec(runName(j.config))?.[1]),
      ['thermo-p1', 'quant-q25', 'quant-q75'],
    );
    assert.notEqual(runFolder(jobs[1].config), runFolder(jobs[2].config));
  });

  it('runs GBM end to end: its codes feed EM and replay, its name tags the results', async () => {
    const feats = tmpDir('quantile-npy');
    python(
      `
import numpy as np, os, sys
d = sys.argv[1]; rng = np.random.default_rng(5)
centres = rng.random((4, 12)) * 8
for s, n in (('train', 40), ('test', 20)):
    y = np.repeat(np.arange(4), n)
    np.save(os.path.join(d, s + '_features.npy'), (centres[y] + rng.standard_normal((4 * n, 12))).astype(np.float32))
    np.save(os.path.join(d, s + '_labels.npy'), y.astype(np.int64))`,
      [feats],
    );
    const r = await runExperiment(configFromOptions({ features: feats, binarizer: 'quantile', q: 50, 'base-classes': 2, tasks: 2, K: 2, epochs: 3 }), {
      progress: false,
    });
    assert.equal(r.codeLength, 12);
    assert.match(r.name, /-quant-q50-K2-/);
    assert.equal(r.steps.length, 3);
    // Four well-separated Gaussian classes: a median split per feature keeps them far above chance (25 %).
    assert.ok(r.summary.finalAccuracy > 0.5, `final accuracy ${r.summary.finalAccuracy}`);
  });
});
