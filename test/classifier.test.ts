import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { LinearClassifier } from '../src/classifier/linear.js';
import { replayEpoch, trainWithReplay } from '../src/cil/replay.js';
import { HostStepTrainer } from '../src/classifier/host-step.js';
import { Progress } from '../src/util/progress.js';
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

/** Float64 reference of G's training: softmax cross-entropy over [x 1] P, then tfjs's Adam or momentum rule. */
function referenceTraining(
  P0: Float64Array,
  D: number,
  C: number,
  batches: { x: Float64Array; y: Int32Array }[],
  optimizer: 'adam' | 'sgd',
  lr: number,
): { P: Float64Array; losses: number[] } {
  const P = Float64Array.from(P0);
  const losses: number[] = [];
  const m = new Float64Array(P.length);
  const v = new Float64Array(P.length);
  batches.forEach(({ x, y }, s) => {
    const n = y.length;
    const grad = new Float64Array(P.length);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: C }, (_, c) => {
        let t = P[D * C + c];
        for (let d = 0; d < D; d++) t += x[i * D + d] * P[d * C + c];
        return t;
      });
      const mx = Math.max(...z);
      const e = z.map((t) => Math.exp(t - mx));
      const sum = e.reduce((a, b) => a + b, 0);
      loss -= Math.log(e[y[i]] / sum) / n;
      for (let c = 0; c < C; c++) {
        const g = (e[c] / sum - (c === y[i] ? 1 : 0)) / n;
        for (let d = 0; d < D; d++) grad[d * C + c] += x[i * D + d] * g;
        grad[D * C + c] += g;
      }
    }
    losses.push(loss);
    const t = s + 1;
    for (let j = 0; j < P.length; j++) {
      if (optimizer === 'adam') {
        m[j] = 0.9 * m[j] + 0.1 * grad[j];
        v[j] = 0.999 * v[j] + 0.001 * grad[j] * grad[j];
        P[j] -= (lr * (m[j] / (1 - 0.9 ** t))) / (Math.sqrt(v[j] / (1 - 0.999 ** t)) + 1e-7);
      } else {
        m[j] = 0.9 * m[j] + grad[j];
        P[j] -= lr * m[j];
      }
    }
  });
  return { P, losses };
}

describe("G's host-side training steps (HostStepTrainer)", () => {
  before(async () => {
    await initBackend('wasm');
  });

  // Shapes that take every path of the kernel: fewer classes than one vector, blocks of 32 plus 4-wide and scalar
  // tails, 0/1 codes (sums of weights) and real-valued rows (products, zeros skipped).
  for (const { D, C, values } of [
    { D: 10, C: 6, values: 'codes' },
    { D: 20, C: 70, values: 'codes' },
    { D: 12, C: 37, values: 'real' },
  ] as const) {
    const rng = new MT19937(17 + C);
    const draw = (p: number) => (values === 'codes' ? (rng.random() < p ? 1 : 0) : rng.random() < p ? 2 * rng.random() - 0.5 : 0);
    // 30 steps on batches of rows (each with extra rows, as pseudo-exemplars arrive), labels spread over C.
    const pool = Float32Array.from({ length: 200 * D }, () => draw(0.3));
    const poolY = Int32Array.from({ length: 200 }, (_, i) => i % C);
    const steps = Array.from({ length: 30 }, () => {
      const rows = Int32Array.from({ length: 24 }, () => rng.interval(199));
      const extraY = Int32Array.from({ length: 8 }, () => rng.interval(C - 1));
      const extraX = Float32Array.from({ length: 8 * D }, () => draw(0.5));
      return { rows, y: Int32Array.from(rows, (r) => poolY[r]), extra: { x: extraX, y: extraY } };
    });
    const asBatch = (s: (typeof steps)[number]) => {
      const n = s.rows.length + s.extra.y.length;
      const x = new Float64Array(n * D);
      s.rows.forEach((r, i) => x.set(pool.subarray(r * D, (r + 1) * D), i * D));
      x.set(s.extra.x, s.rows.length * D);
      return { x, y: Int32Array.from([...s.y, ...s.extra.y]) };
    };

    for (const optimizer of ['adam', 'sgd'] as const) {
      it(`follows a float64 reference of softmax cross-entropy + ${optimizer} step for step, as tfjs's optimizer does (D = ${D}, C = ${C}, ${values})`, async () => {
        const lr = optimizer === 'adam' ? 0.01 : 0.1;
        const cfg = { epochs: 1, batchSize: 32, optimizer, learningRate: lr, perTask: 'continue' as const };
        const g = new LinearClassifier(D, C, 5);
        const P0 = Float64Array.from(g.readParams());
        const { P: ref, losses: refLosses } = referenceTraining(P0, D, C, steps.map(asBatch), optimizer, lr);
        // The host trainer.
        const trainer = new HostStepTrainer(g, cfg);
        const losses = steps.map((s) => trainer.step(pool, poolY, s.rows, true, s.extra));
        trainer.finish();
        const host = g.readParams();
        // tfjs's optimizer on the same batches, from the same start.
        const g2 = new LinearClassifier(D, C, 5);
        const opt = g2.optimizer(cfg);
        for (const s of steps) {
          const b = asBatch(s);
          await g2.steps(opt, [[tf.tensor2d(Float32Array.from(b.x), [b.y.length, D]), tf.tensor1d(b.y, 'int32')]]);
        }
        const viaTfjs = g2.readParams();
        const scale = Math.max(...ref.map(Math.abs));
        const maxDiff = (a: Float32Array) => Math.max(...a.map((v, j) => Math.abs(v - ref[j])));
        // The weights moved far beyond the tolerance; both agree with the reference to float32 rounding.
        const tol = 2e-5 * scale;
        assert.ok(Math.max(...ref.map((v, j) => Math.abs(v - P0[j]))) > 100 * tol);
        assert.ok(maxDiff(host) < tol, `host trainer off by ${maxDiff(host)}`);
        assert.ok(maxDiff(viaTfjs) < tol, `tfjs optimizer off by ${maxDiff(viaTfjs)}`);
        // The loss it reports is the batch's cross-entropy before the step.
        assert.ok(Math.max(...losses.map((l, k) => Math.abs(l - refLosses[k]))) < 1e-5);
        g.dispose();
        g2.dispose();
        opt.dispose();
      });
    }
  }

  it('trainWithReplay gives the same classifier on the host path as through tfjs optimizer ops', async () => {
    const cfg = { epochs: 3, batchSize: 16, optimizer: 'adam' as const, learningRate: 0.01, perTask: 'continue' as const };
    const D = 10;
    const C = 6;
    const rng = new MT19937(3);
    const pool = Float32Array.from({ length: 60 * D }, () => (rng.random() < 0.3 ? 1 : 0));
    const oldRows = (labels: Int32Array, seed: number) => {
      const r = new MT19937(seed);
      return Float32Array.from({ length: labels.length * D }, () => (r.random() < 0.4 ? 1 : 0));
    };
    const run = async (host: boolean) => {
      const g = new LinearClassifier(D, C, 8);
      const x = tf.tensor2d(pool.subarray(0, 60 * D), [60, D]);
      const real = { x, y: Int32Array.from({ length: 60 }, (_, i) => 3 + (i % 3)), n: 60, numClasses: 3, ...(host ? { xHost: pool.subarray(0, 60 * D) } : {}) };
      const loss = await trainWithReplay(g, cfg, real, [0, 1, 2], oldRows, new MT19937(4), new Progress({ label: 'test', total: cfg.epochs, stream: null }));
      x.dispose();
      const p = g.readParams();
      g.dispose();
      return { p, loss };
    };
    const a = await run(true);
    const b = await run(false);
    assert.ok(Math.max(...a.p.map((v, j) => Math.abs(v - b.p[j]))) < 1e-4);
    assert.ok(Math.abs(a.loss - b.loss) < 1e-4 && a.loss > 0);
  });
});
