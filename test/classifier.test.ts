import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { LinearClassifier } from '../src/classifier/linear.js';
import { replayEpoch } from '../src/cil/replay.js';
import { MT19937 } from '../src/util/mt19937.js';

describe('classifier and pseudo-replay batches', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('the written-out softmax cross-entropy gradient equals tfjs autodiff', () => {
    const g = new LinearClassifier(12, 5, 3);
    const x = tf.randomUniform([9, 12], 0, 1, 'float32', 4).greater(0.5).toFloat() as tf.Tensor2D;
    const y = tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2, 3], 'int32');
    const { W, b } = g.weights();
    const { loss, dW, db } = g.lossAndGradients(x, y);
    const auto = tf.grads((w: tf.Tensor, bb: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 5), tf.add(tf.matMul(x, w), bb)))([W, b]);
    const ref = tf.losses.softmaxCrossEntropy(tf.oneHot(y, 5), g.logits(x)).dataSync()[0];
    assert.ok(Math.abs(loss.dataSync()[0] - ref) < 1e-6);
    const maxDiff = (a: tf.Tensor, c: tf.Tensor) => tf.max(tf.abs(tf.sub(a, c))).dataSync()[0];
    assert.ok(maxDiff(dW, auto[0]) < 1e-6);
    assert.ok(maxDiff(db, auto[1]) < 1e-6);
  });

  it('grows by adding columns and keeps the old ones (or re-initialises all)', () => {
    const g = new LinearClassifier(4, 2, 1);
    const before = g.weights().W.arraySync();
    g.grow(5, 'continue');
    const after = g.weights().W.arraySync();
    assert.equal(g.numClasses, 5);
    before.forEach((row, i) => assert.deepEqual(after[i].slice(0, 2), row));
    g.grow(6, 'reinit');
    assert.notDeepEqual(g.weights().W.arraySync()[0].slice(0, 2), before[0]);
    assert.throws(() => g.grow(3, 'continue'), /cannot shrink/);
  });

  it('learns a linearly separable problem', async () => {
    const g = new LinearClassifier(8, 4, 2);
    const opt = g.optimizer({ epochs: 1, batchSize: 64, optimizer: 'adam', learningRate: 0.05, perTask: 'continue' });
    const rng = new MT19937(1);
    const y = Int32Array.from({ length: 256 }, (_, i) => i % 4);
    const x = tf.tensor2d(
      Float32Array.from({ length: 256 * 8 }, (_, k) => ((k % 8) % 4 === y[Math.floor(k / 8)] ? 1 : 0) * (rng.random() < 0.9 ? 1 : 0)),
      [256, 8],
    );
    const yt = tf.tensor1d(y, 'int32');
    for (let i = 0; i < 100; i++) g.step(opt, x, yt).dispose();
    const p = await g.predict(x);
    assert.ok(p.filter((v, i) => v === y[i]).length / 256 > 0.95);
  });

  it('builds every batch by Equation 4: N_old / N_new = |C_old| / |C_new|, each real code once per epoch', () => {
    const rng = new MT19937(9);
    for (const [nOldClasses, nNew] of [
      [100, 20],
      [10, 10],
      [5, 1],
      [30, 7],
    ]) {
      const old = Array.from({ length: nOldClasses }, (_, i) => i);
      const batches = replayEpoch(1000, old, nNew, 256, rng);
      const seen = new Set<number>();
      for (const b of batches) {
        const want = Math.round(b.realIndices.length * (nOldClasses / nNew));
        assert.equal(b.pseudoLabels.length, want, `old=${nOldClasses} new=${nNew}`);
        assert.ok(Math.abs(b.realIndices.length + b.pseudoLabels.length - 256) <= 2 || b === batches[batches.length - 1]);
        b.realIndices.forEach((i) => seen.add(i));
        b.pseudoLabels.forEach((l) => assert.ok(l >= 0 && l < nOldClasses));
      }
      assert.equal(seen.size, 1000);
    }
  });

  it('draws old labels uniformly over the old classes', () => {
    const rng = new MT19937(10);
    const counts = new Array(10).fill(0);
    for (let e = 0; e < 20; e++) for (const b of replayEpoch(2000, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5, 128, rng)) b.pseudoLabels.forEach((l) => counts[l]++);
    const n = counts.reduce((a, b) => a + b, 0);
    const chi2 = counts.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
    assert.ok(chi2 < 27.9, `chi-square ${chi2} (9 dof, p = 0.001 bound 27.9)`);
  });

  it('with no old classes (no replay) uses only real codes', () => {
    const batches = replayEpoch(100, [], 5, 32, new MT19937(1));
    assert.ok(batches.every((b) => b.pseudoLabels.length === 0 && b.realIndices.length <= 32));
  });
});
