import { tf } from '../backend/tf.js';
import { thermometerSTE } from '../binarize/ste.js';
import { MT19937 } from '../util/mt19937.js';

/**
 * A small network to probe the thermometer's straight-through gradient: features f = relu(x W) [n x h], one
 * threshold level (p = 1, theta = c / 2), logits = bits V, softmax cross-entropy. All in float64 on the host.
 */
export interface SteProbe {
  n: number;
  din: number;
  h: number;
  classes: number;
  x: Float64Array;
  labels: Int32Array;
  W: Float64Array;
  V: Float64Array;
  /** Thermometer range per feature (theta = c / 2). */
  c: Float64Array;
}

/** A seeded probe problem: Gaussian inputs, labels from a random linear teacher, c = 2 x the median feature. */
export function makeSteProbe(seed: number, n = 128, din = 6, h = 12, classes = 3): SteProbe {
  const rng = new MT19937(seed);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(rng.random(), 1e-12))) * Math.cos(2 * Math.PI * rng.random());
  const x = Float64Array.from({ length: n * din }, normal);
  const W = Float64Array.from({ length: din * h }, () => normal() / Math.sqrt(din));
  const V = Float64Array.from({ length: h * classes }, normal);
  const T = Float64Array.from({ length: din * classes }, normal);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let k = 0; k < classes; k++) {
      let s = 0;
      for (let d = 0; d < din; d++) s += x[i * din + d] * T[d * classes + k];
      if (s > bestV) {
        bestV = s;
        best = k;
      }
    }
    labels[i] = best;
  }
  const f = features(x, W, n, din, h);
  const c = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    const col = Array.from({ length: n }, (_, i) => f[i * h + j]).sort((a, b) => a - b);
    c[j] = Math.max(2 * col[Math.floor(n / 2)], 1e-3);
  }
  return { n, din, h, classes, x, labels, W, V, c };
}

function features(x: Float64Array, W: Float64Array, n: number, din: number, h: number): Float64Array {
  const f = new Float64Array(n * h);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (let d = 0; d < din; d++) s += x[i * din + d] * W[d * h + j];
      f[i * h + j] = Math.max(0, s);
    }
  }
  return f;
}

/** Mean cross-entropy with the step replaced by sigmoid((f - theta) / tau): the smoothed loss, in float64. */
export function smoothedLoss(p: SteProbe, W: Float64Array, tau: number): number {
  const f = features(p.x, W, p.n, p.din, p.h);
  let loss = 0;
  const logits = new Float64Array(p.classes);
  for (let i = 0; i < p.n; i++) {
    logits.fill(0);
    for (let j = 0; j < p.h; j++) {
      const u = (f[i * p.h + j] - p.c[j] / 2) / tau;
      const b = 1 / (1 + Math.exp(-u));
      for (let k = 0; k < p.classes; k++) logits[k] += b * p.V[j * p.classes + k];
    }
    const m = Math.max(...logits);
    let z = 0;
    for (let k = 0; k < p.classes; k++) z += Math.exp(logits[k] - m);
    loss += m + Math.log(z) - logits[p.labels[i]];
  }
  return loss / p.n;
}

/** Central finite differences of the smoothed loss with respect to every entry of W (float64). */
export function smoothedGradient(p: SteProbe, tau: number, h = 1e-6): Float64Array {
  const g = new Float64Array(p.W.length);
  const W = Float64Array.from(p.W);
  for (let k = 0; k < W.length; k++) {
    const w0 = W[k];
    W[k] = w0 + h;
    const up = smoothedLoss(p, W, tau);
    W[k] = w0 - h;
    const down = smoothedLoss(p, W, tau);
    W[k] = w0;
    g[k] = (up - down) / (2 * h);
  }
  return g;
}

/** The straight-through gradient of the same loss with respect to W, through the kit's thermometerSTE (float32). */
export function steGradient(p: SteProbe): Float64Array {
  const grad = tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from(p.x), [p.n, p.din]);
    const V = tf.tensor2d(Float32Array.from(p.V), [p.h, p.classes]);
    const c = tf.tensor1d(Float32Array.from(p.c));
    const y = tf.oneHot(tf.tensor1d(p.labels, 'int32'), p.classes);
    const g = tf.grad((W: tf.Tensor) => {
      const f = tf.relu(tf.matMul(x, W as tf.Tensor2D));
      return tf.losses.softmaxCrossEntropy(y, tf.matMul(thermometerSTE(f as tf.Tensor2D, c, 1), V));
    })(tf.tensor2d(Float32Array.from(p.W), [p.din, p.h]));
    return g;
  });
  const out = Float64Array.from(grad.dataSync());
  grad.dispose();
  return out;
}

/**
 * Cosine similarity of a gradient with a reference, the share of the reference's magnitude whose sign it gets right
 * (sum of |ref_i| where the signs agree over sum of |ref_i|), and the ratio of their norms.
 */
export function gradientAgreement(a: Float64Array, ref: Float64Array): { cosine: number; signAgreement: number; normRatio: number } {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let agree = 0;
  let mass = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * ref[i];
    na += a[i] * a[i];
    nb += ref[i] * ref[i];
    mass += Math.abs(ref[i]);
    if (Math.sign(a[i]) === Math.sign(ref[i])) agree += Math.abs(ref[i]);
  }
  return { cosine: dot / Math.sqrt(na * nb || 1), signAgreement: mass ? agree / mass : NaN, normRatio: Math.sqrt(na / (nb || 1)) };
}

/**
 * How well the STE's gradient matches the true gradient of a smoothed step, for smoothing widths tau given as
 * fractions of the bin width delta = c / 2: one row per tau (tau -> 0 is the step itself, whose gradient is 0
 * almost everywhere; large tau is a different, smoother function).
 */
export function steGradientStudy(
  seed: number,
  tauFractions: number[],
): { tauFraction: number; cosine: number; signAgreement: number; normRatio: number; refNorm: number }[] {
  const p = makeSteProbe(seed);
  const ste = steGradient(p);
  const meanDelta = p.c.reduce((s, v) => s + v / 2, 0) / p.h;
  return tauFractions.map((t) => {
    const ref = smoothedGradient(p, t * meanDelta);
    return { tauFraction: t, ...gradientAgreement(ste, ref), refNorm: Math.sqrt(ref.reduce((s, v) => s + v * v, 0)) };
  });
}
