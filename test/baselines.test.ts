import assert from 'node:assert/strict';
import { herdingSelect } from '../src/methods/herding.js';
import { covariance, invertSpd, shrinkCovariance } from '../src/methods/fecam.js';
import { METHODS } from '../src/methods/registry.js';
import { resolveConfig } from '../src/run/config.js';
import { runExperiment, type RunResult } from '../src/run/runner.js';
import type { FeatureSet } from '../src/features/cache.js';
import { extractFeatures } from '../src/features/extract.js';
import { MT19937 } from '../src/util/mt19937.js';
import { blobs, python, requireData } from './helpers.js';

const FEATURES = { dataset: 'tinyimagenet', backbone: 'mobilenet' };

describe('baselines on the shared runner', () => {
  it('NCM classifies separable clusters perfectly and keeps one float mean per class', async () => {
    const feats = blobs(6, 16, { train: 40, test: 20 }, 0.3, 7);
    const r = await runExperiment(
      { features: FEATURES, scenario: { baseClasses: 2, tasks: 2 }, method: { name: 'ncm' } },
      { features: feats, progress: false },
    );
    assert.deepEqual(
      r.steps.map((s) => s.accuracy),
      [1, 1, 1],
    );
    assert.equal(r.summary.memoryBits, 6 * 16 * 32);
  });

  it('FeCAM separates classes that share a mean but differ in correlation, where NCM cannot', async () => {
    // Two classes with the same mean in 3-d: dimensions 0 and 1 move together in one, against each other in the other.
    const rng = new MT19937(3);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.random())) * Math.cos(2 * Math.PI * rng.random());
    const make = (n: number) => {
      const features = new Float32Array(2 * n * 3);
      const labels = new Int32Array(2 * n);
      for (let i = 0; i < 2 * n; i++) {
        const c = i < n ? 0 : 1;
        labels[i] = c;
        const g = 1.5 * gauss();
        features[3 * i] = 4 + g + 0.05 * gauss();
        features[3 * i + 1] = 4 + (c === 0 ? g : -g) + 0.05 * gauss();
        features[3 * i + 2] = 4 + 0.05 * gauss();
      }
      return { features, labels, count: 2 * n, dim: 3 };
    };
    const feats: FeatureSet = { dir: '(in memory)', train: make(300), test: make(200), meta: { notes: [] } as unknown as FeatureSet['meta'] };
    const run = async (name: string) =>
      (
        await runExperiment(
          {
            features: FEATURES,
            scenario: { baseClasses: 1, tasks: 1 },
            method: { name, options: name === 'fecam' ? { alpha1: 0.01, alpha2: 0, 'base-step': 'mahalanobis' } : {} },
          },
          { features: feats, progress: false },
        )
      ).summary.finalAccuracy;
    const [fecam, ncm] = [await run('fecam'), await run('ncm')];
    assert.ok(fecam > 0.85, `FeCAM ${fecam}`);
    assert.ok(ncm < 0.75, `NCM ${ncm}`);
  });

  it('FeCAM shrinkage and inversion match a hand-worked case', () => {
    // S = [[2, .5], [.5, 4]]: mean diagonal 3, mean off-diagonal .5 -> S + 1*3*I + 1*.5*(1 - I) = [[5, 1], [1, 7]].
    const s = shrinkCovariance(Float64Array.from([2, 0.5, 0.5, 4]), 2, 1, 1);
    assert.deepEqual(Array.from(s), [5, 1, 1, 7]);
    // inv([[5, 1], [1, 7]]) = [[7, -1], [-1, 5]] / 34
    const inv = invertSpd(s, 2);
    [7 / 34, -1 / 34, -1 / 34, 5 / 34].forEach((v, i) => assert.ok(Math.abs(inv[i] - v) < 1e-15));
    // Sample covariance against numpy's np.cov.
    const x = Float64Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 3)));
    const ref = JSON.parse(
      python(`import numpy as np, json, sys; x=np.array(json.loads(sys.argv[1])).reshape(10,3); print(json.dumps(np.cov(x.T).ravel().tolist()))`, [
        JSON.stringify(Array.from(x)),
      ]),
    ) as number[];
    covariance(x, 10, 3).cov.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-12, `cov[${i}] ${v} vs ${ref[i]}`));
    assert.throws(() => invertSpd(Float64Array.from([1, 2, 2, 1]), 2), /not positive definite/);
  });

  it("herding picks the same exemplars as PyCIL's numpy implementation", () => {
    const rng = new MT19937(11);
    const n = 60;
    const dim = 12;
    const x = Float32Array.from({ length: n * dim }, () => rng.random());
    const ours = Array.from(herdingSelect(x, n, dim, 10));
    // PyCIL's loop: normalise, then pick the row that brings the running mean closest to the class mean and delete it.
    const ref = JSON.parse(
      python(
        `
import numpy as np, json, sys
v = np.array(json.loads(sys.argv[1]), dtype=np.float32).astype(np.float64).reshape(${n}, ${dim})
v = (v.T / (np.linalg.norm(v.T, axis=0) + 1e-8)).T
mean = v.mean(axis=0)
idx = list(range(${n})); picked = []; ex = []
for k in range(1, 11):
    S = np.sum(ex, axis=0) if ex else np.zeros(${dim})
    i = int(np.argmin(np.sqrt(np.sum((mean - (v + S) / k) ** 2, axis=1))))
    picked.append(idx[i]); ex.append(v[i]); v = np.delete(v, i, axis=0); del idx[i]
print(json.dumps(picked))`,
        [JSON.stringify(Array.from(x))],
      ),
    ) as number[];
    assert.deepEqual(ours, ref);
  });

  it('refuses unknown methods and options with the list of known ones', () => {
    assert.throws(() => resolveConfig({ method: { name: 'icarl' } }), /unknown method "icarl".*gbm, gbm-k1, finetune/);
    assert.throws(() => resolveConfig({ method: { name: 'gbm', options: { exemplars: 3 } } }), /method gbm has no option "exemplars"/);
    assert.throws(() => resolveConfig({ method: { name: 'replay-real', options: { selection: 'best' } } }), /selection = "best" is not known.*herding, random/);
    assert.throws(() => resolveConfig({ method: { name: 'gbm-k1' }, memory: { em: { K: 4 } } }), /method gbm-k1 fixes memory\.em\.K = 1, but 4 was asked for/);
    assert.equal(resolveConfig({ method: { name: 'gbm-k1' } }).memory.em.K, 1);
    assert.equal(resolveConfig({ replay: 'none' }).method.name, 'finetune');
  });

  describe('every method on real TinyImageNet features (10 classes, 4 + 3 x 2)', () => {
    const SUBSET = { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], trainPerClass: 200, testPerClass: 50 };
    const runs: Record<string, RunResult> = {};

    before(async function () {
      requireData(this, 'tiny-imagenet-200.zip');
      const feats = await extractFeatures({ ...FEATURES, subset: SUBSET, progress: false, log: () => {} });
      for (const name of Object.keys(METHODS)) {
        runs[name] = await runExperiment(
          { features: { ...FEATURES, subset: SUBSET }, scenario: { baseClasses: 4, tasks: 3 }, method: { name }, classifier: { epochs: 30 } },
          { features: feats, progress: false },
        );
      }
    });

    it('every method completes, far above chance at the base step', () => {
      for (const [name, r] of Object.entries(runs)) {
        assert.equal(r.steps.length, 4, name);
        assert.ok(r.steps[0].accuracy > 0.5, `${name}: base accuracy ${r.steps[0].accuracy} (chance 0.25)`);
      }
    });

    it('joint training on the same input (codes or features) is at least as good as every method with the same classifier, and fine-tuning forgets', () => {
      // FeCAM (Mahalanobis) and FeTrIL (its authors' SVM head) classify otherwise: joint training of G bounds neither.
      for (const [name, r] of Object.entries(runs).filter(([n]) => n !== 'fecam' && n !== 'fetril')) {
        const bound = METHODS[name].input === 'codes' ? 'joint' : 'joint-real';
        const joint = runs[bound].summary.finalAccuracy;
        assert.ok(joint >= r.summary.finalAccuracy, `${bound} ${joint} < ${name} ${r.summary.finalAccuracy}`);
      }
      assert.ok(runs.finetune.steps[3].oldAccuracy < 0.15, `fine-tuning keeps ${runs.finetune.steps[3].oldAccuracy} on old classes`);
      assert.ok(runs.gbm.summary.finalAccuracy > runs.finetune.summary.finalAccuracy + 0.1);
    });

    it("counts each method's memory as method.md says", () => {
      const D = runs.gbm.codeLength;
      const F = runs.ncm.inputDim;
      assert.equal(runs.gbm.summary.memoryBits, 10 * (8 * D * 32 + 8 * 32));
      assert.equal(runs['gbm-k1'].summary.memoryBits, 10 * (D * 32 + 32));
      assert.equal(runs['replay-binary'].summary.memoryBits, 10 * 20 * D);
      assert.equal(runs['replay-real'].summary.memoryBits, 10 * 20 * F * 32);
      assert.equal(runs.fetril.summary.memoryBits, 10 * F * 32);
      assert.equal(runs.fecam.summary.memoryBits, 10 * (F + (F * (F + 1)) / 2) * 32);
      assert.equal(runs.finetune.summary.memoryBits, 0);
      // Joint keeps every training code of the classes before the last step.
      assert.equal(runs.joint.summary.memoryBits, 8 * 200 * D);
      assert.equal(runs['joint-real'].summary.memoryBits, 8 * 200 * F * 32);
    });
  });
});
