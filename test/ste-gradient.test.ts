import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { gradientAgreement, makeSteProbe, smoothedGradient, steGradient, steGradientStudy } from '../src/analysis/ste-gradient.js';

describe("the thermometer STE's gradient against a smoothed step", () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('the finite-difference reference equals autodiff of the smoothed network (float64 vs float32)', () => {
    const p = makeSteProbe(3, 40, 4, 6, 3);
    const tau = 0.3 * (p.c.reduce((s, v) => s + v / 2, 0) / p.h);
    const fd = smoothedGradient(p, tau);
    const auto = tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(p.x), [p.n, p.din]);
      const V = tf.tensor2d(Float32Array.from(p.V), [p.h, p.classes]);
      const theta = tf.tensor1d(Float32Array.from(p.c, (c) => c / 2));
      const y = tf.oneHot(tf.tensor1d(p.labels, 'int32'), p.classes);
      return tf
        .grad((W: tf.Tensor) => {
          const f = tf.relu(tf.matMul(x, W as tf.Tensor2D));
          return tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.sigmoid(tf.div(tf.sub(f, theta), tau)), V));
        })(tf.tensor2d(Float32Array.from(p.W), [p.din, p.h]))
        .dataSync();
    });
    const a = gradientAgreement(Float64Array.from(auto), fd);
    assert.ok(a.cosine > 0.9999, `cosine ${a.cosine}`);
    assert.ok(Math.abs(a.normRatio - 1) < 1e-3, `norm ratio ${a.normRatio}`);
  });

  it('the STE points where the smoothed gradient points, best at a smoothing width near a quarter bin', () => {
    const rows = steGradientStudy(1, [0.01, 0.25, 4]);
    assert.ok(rows[1].cosine > 0.75, `cosine at tau = delta/4: ${rows[1].cosine}`);
    assert.ok(rows[1].cosine > rows[0].cosine && rows[1].cosine > rows[2].cosine, rows.map((r) => r.cosine.toFixed(3)).join(' '));
    // As tau -> 0 the smoothed step becomes the step: its gradient concentrates on the few samples at the threshold.
    assert.ok(rows[0].refNorm > 5 * rows[1].refNorm);
    // The STE's own gradient is fixed; only its agreement with the moving reference changes.
    const g = steGradient(makeSteProbe(1));
    assert.ok(g.some((v) => v !== 0));
  });
});
