import assert from 'node:assert/strict';
import {
  chowLiuLogLikelihood,
  fitChowLiu,
  heldOutLogLikelihoods,
  independentLogLikelihood,
  mixtureLogLikelihood,
  pairwiseMutualInformation,
  shuffleColumns,
  shuffledNullTest,
} from '../src/analysis/bit-correlation.js';
import { clusterOrder, permuteSquare } from '../src/analysis/cluster-order.js';
import { MT19937 } from '../src/util/mt19937.js';

describe('bit correlation analysis', () => {
  it('the shuffled-null test finds about 1 - q of independent pairs above the null, and nearly all of copied bits', () => {
    const rng = new MT19937(7);
    const d = 12;
    const n = 400;
    const classes = (copied: boolean) =>
      [0, 1, 2].map(() => {
        const x = new Float32Array(n * d);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < d; j++) x[i * d + j] = copied && j % 2 === 1 ? x[i * d + j - 1] : rng.random() < 0.3 ? 1 : 0;
        }
        return { train: x, nTrain: n, test: x, nTest: n };
      });
    const indep = shuffledNullTest(classes(false), d, () => rng.random(), 0.9);
    assert.equal(indep.pairs, 3 * ((d * (d - 1)) / 2));
    // Independent bits: about 10 % above the null's 90th percentile (198 pairs: a wide binomial band).
    assert.ok(indep.fractionAbove < 0.25, `independent: ${indep.fractionAbove}`);
    const dep = shuffledNullTest(classes(true), d, () => rng.random(), 0.9);
    // Copied bits: the 6 copy pairs per class carry log-scale MI, far above any shuffled pair.
    assert.ok(dep.above >= 3 * 6, `copied: ${dep.above} pairs above`);
    assert.ok(dep.meanReal > 2 * dep.meanNull);
    assert.equal(indep.sampleReal.length, Math.ceil((d * (d - 1)) / 2 / 7) * 3);
  });

  it('held-out log-likelihoods average each model over classes; a K = 1 mixture at the bit frequencies is the independent model', () => {
    const d = 4;
    const train = Float32Array.from([1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1]);
    const test = Float32Array.from([1, 0, 1, 1, 0, 0, 0, 1]);
    const cls = { train, nTrain: 4, test, nTest: 2 };
    // The independent model's smoothed frequencies (alpha = 0.5) as a one-component mixture.
    const mu = Array.from({ length: d }, (_, j) => ([0, 1, 2, 3].reduce((a, i) => a + train[i * d + j], 0) + 0.5) / (4 + 1));
    const r = heldOutLogLikelihoods([cls, cls], { mu: [...mu, ...mu], pi: [1, 1] }, 1, d);
    // Equal up to mu stored at float32, as EM stores it.
    assert.ok(Math.abs(r.bmm - r.independent) < 1e-6, `${r.bmm} vs ${r.independent}`);
    assert.ok(Math.abs(r.independent - independentLogLikelihood(train, 4, test, 2, d)) < 1e-12);
    assert.ok(Math.abs(r.chowLiu - chowLiuLogLikelihood(fitChowLiu(train, 4, d), test, 2, d)) < 1e-12);
  });

  it('mutual information is log 2 for two copies of a fair bit and 0 for independent fair bits', () => {
    // Rows (a, a, b): bit 1 copies bit 0; bit 2 is independent of both (all four combinations once each).
    const rows = [
      [0, 0, 0],
      [0, 0, 1],
      [1, 1, 0],
      [1, 1, 1],
    ].flat();
    const mi = pairwiseMutualInformation(rows, 4, 3, 0);
    assert.ok(Math.abs(mi[0 * 3 + 1] - Math.log(2)) < 1e-12, `MI(0,1) = ${mi[1]}`);
    assert.ok(Math.abs(mi[0 * 3 + 2]) < 1e-12 && Math.abs(mi[1 * 3 + 2]) < 1e-12);
    assert.equal(mi[0], 0);
    assert.equal(mi[1 * 3 + 0], mi[0 * 3 + 1]);
  });

  it("shuffling columns keeps every bit's count and destroys the dependence", () => {
    const rng = new MT19937(1);
    const n = 2000;
    const x = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      x[2 * i] = rng.random() < 0.5 ? 1 : 0;
      x[2 * i + 1] = x[2 * i];
    }
    const s = shuffleColumns(x, n, 2, () => rng.random());
    const count = (a: Float32Array, j: number) => a.filter((_, i) => i % 2 === j).reduce((p, v) => p + v, 0);
    assert.equal(count(s, 0), count(x, 0));
    assert.equal(count(s, 1), count(x, 1));
    assert.ok(pairwiseMutualInformation(s, n, 2)[1] < 0.01);
    assert.ok(pairwiseMutualInformation(x, n, 2)[1] > 0.6);
  });

  it('the Chow-Liu tree recovers a chain and beats independent bits on it; K = 1 mixture equals independent bits', () => {
    const rng = new MT19937(2);
    const n = 3000;
    const d = 4;
    const make = (m: number) => {
      const x = new Float32Array(m * d);
      for (let i = 0; i < m; i++) {
        x[i * d] = rng.random() < 0.5 ? 1 : 0;
        for (let j = 1; j < d; j++) x[i * d + j] = rng.random() < 0.9 ? x[i * d + j - 1] : 1 - x[i * d + j - 1];
      }
      return x;
    };
    const train = make(n);
    const test = make(1000);
    const tree = fitChowLiu(train, n, d);
    assert.deepEqual(Array.from(tree.parent), [-1, 0, 1, 2]);
    const ind = independentLogLikelihood(train, n, test, 1000, d);
    const cl = chowLiuLogLikelihood(tree, test, 1000, d);
    // Analytic: independent fair bits give 4 log(1/2); the chain gives log(1/2) + 3 H(0.9) less in magnitude.
    assert.ok(Math.abs(ind - 4 * Math.log(0.5)) < 0.01, `independent ${ind}`);
    const h = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1));
    assert.ok(Math.abs(cl - (Math.log(0.5) - 3 * h)) < 0.05, `chain ${cl} vs ${Math.log(0.5) - 3 * h}`);
    // A one-component mixture with the smoothed frequencies is the independent model.
    const mu = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += train[i * d + j];
    for (let j = 0; j < d; j++) mu[j] = (mu[j] + 0.5) / (n + 1);
    assert.ok(Math.abs(mixtureLogLikelihood(mu, [1], 1, test, 1000, d) - ind) < 1e-9);
  });

  it('orders a shuffled block-diagonal similarity so each block is contiguous again, deterministically', () => {
    // Three blocks of sizes 4, 3 and 5, hidden under a fixed permutation of 12 items.
    const block = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
    const perm = [7, 2, 11, 0, 5, 9, 3, 10, 1, 6, 4, 8];
    const n = block.length;
    const rng = new MT19937(3);
    const sim = new Float64Array(n * n);
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) sim[a * n + b] = (block[perm[a]] === block[perm[b]] ? 1 : 0.1) + (a === b ? 0 : 0.01 * rng.random());
    const order = clusterOrder(sim, n);
    assert.deepEqual(
      [...order].sort((x, y) => x - y),
      Array.from({ length: n }, (_, i) => i),
      'a permutation of the items',
    );
    const blocks = order.map((i) => block[perm[i]]);
    const runs = blocks.filter((b, i) => i === 0 || b !== blocks[i - 1]).length;
    assert.equal(runs, 3, `each block in one run: ${blocks.join('')}`);
    assert.deepEqual(clusterOrder(sim, n), order);
    const m = permuteSquare(sim, n, order);
    assert.equal(m[0][1], sim[order[0] * n + order[1]]);
    assert.throws(() => clusterOrder(sim, 5), /5 x 5/);
  });
});
