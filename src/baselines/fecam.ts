import { tf } from '../backend/tf.js';
import { rowsByClass, type CilMethod, type MethodContext, type MethodSpec, type StepData, type StepStats } from '../cil/method.js';
import { GbmError } from '../util/errors.js';
import { gatherRows } from '../features/select.js';
import { l2normalize } from './stats.js';

/** Sample covariance (n - 1 denominator) of rows of x [n x dim], float64, row-major [dim x dim]. */
export function covariance(x: ArrayLike<number>, n: number, dim: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += x[i * dim + d] / n;
  const cov = new Float64Array(dim * dim);
  const c = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) c[d] = x[i * dim + d] - mean[d];
    for (let a = 0; a < dim; a++) {
      const ca = c[a];
      if (ca === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b] += ca * c[b];
    }
  }
  const denom = Math.max(1, n - 1);
  for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) { cov[a * dim + b] /= denom; cov[b * dim + a] = cov[a * dim + b]; }
  return { mean, cov };
}

/**
 * FeCAM's covariance shrinkage: S + a1 * V1 * I + a2 * V2 * (1 - I), V1 the mean of the diagonal and V2 the
 * mean of the non-zero off-diagonal entries (Goswami et al., NeurIPS 2023, Eq. 6).
 */
export function shrinkCovariance(cov: Float64Array, dim: number, alpha1: number, alpha2: number): Float64Array {
  let diag = 0;
  let off = 0;
  let offCount = 0;
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < dim; b++) {
      const v = cov[a * dim + b];
      if (a === b) diag += v;
      else if (v !== 0) { off += v; offCount++; }
    }
  }
  const v1 = diag / dim;
  const v2 = offCount ? off / offCount : 0;
  return Float64Array.from(cov, (v, i) => v + (Math.floor(i / dim) === i % dim ? alpha1 * v1 : alpha2 * v2));
}

/** Scale a covariance to unit diagonal (a correlation matrix), as FeCAM's code does before inverting. */
export function normalizeCovariance(cov: Float64Array, dim: number): Float64Array {
  const sd = Float64Array.from({ length: dim }, (_, a) => Math.sqrt(cov[a * dim + a]));
  return Float64Array.from(cov, (v, i) => v / (sd[Math.floor(i / dim)] * sd[i % dim]));
}

/** Inverse of a symmetric positive-definite matrix by Cholesky, float64; throws when it is not positive definite. */
export function invertSpd(a: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= L[j * n + k] ** 2;
    if (!(s > 0)) throw new GbmError('a class covariance is not positive definite.', 'raise the FeCAM shrinkage (alpha1) or give each class more training rows than feature dimensions.');
    const d = Math.sqrt(s);
    L[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / d;
    }
  }
  // inv(A) = inv(L)^T inv(L); invert L column by column (forward substitution).
  const Li = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    Li[c * n + c] = 1 / L[c * n + c];
    for (let i = c + 1; i < n; i++) {
      let t = 0;
      for (let k = c; k < i; k++) t -= L[i * n + k] * Li[k * n + c];
      Li[i * n + c] = t / L[i * n + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let t = 0;
      for (let k = j; k < n; k++) t += Li[k * n + i] * Li[k * n + j];
      inv[i * n + j] = t;
      inv[j * n + i] = t;
    }
  }
  return inv;
}

/** Tukey's ladder of powers, x^beta (log x for beta = 0), on features clipped at 0 (FeCAM assumes post-ReLU features). */
export function tukey(x: Float32Array, beta: number): Float32Array {
  return Float32Array.from(x, (v) => (beta === 0 ? Math.log(Math.max(v, 1e-12)) : Math.max(v, 0) ** beta));
}

/** FeCAM: each class kept as a mean and a shrunk, normalised covariance; prediction by Mahalanobis distance. */
class FecamMethod implements CilMethod {
  private readonly means = new Map<number, Float32Array>();
  private readonly precisions = new Map<number, Float32Array>();
  private readonly o: { beta: number; alpha1: number; alpha2: number };

  constructor(private readonly ctx: MethodContext) {
    const m = ctx.config.method.options;
    this.o = { beta: Number(m.beta), alpha1: Number(m.alpha1), alpha2: Number(m.alpha2) };
  }

  async learn(d: StepData): Promise<StepStats> {
    const ts = Date.now();
    const F = d.dim;
    const t = tukey(d.x, this.o.beta);
    rowsByClass(d).forEach((rows, i) => {
      const { mean, cov } = covariance(gatherRows(t, F, rows), rows.length, F);
      // Shrunk twice then normalised, as in FeCAM's public code (and Avalanche's port).
      const s = shrinkCovariance(shrinkCovariance(cov, F, this.o.alpha1, this.o.alpha2), F, this.o.alpha1, this.o.alpha2);
      this.means.set(d.newClasses[i], Float32Array.from(l2normalize(mean)));
      this.precisions.set(d.newClasses[i], Float32Array.from(invertSpd(normalizeCovariance(s, F), F)));
    });
    return { emIterations: 0, emLogLikelihood: NaN, emReseeds: 0, trainLoss: NaN, seconds: { memory: (Date.now() - ts) / 1000, train: 0 } };
  }

  async predict(x: tf.Tensor2D): Promise<Int32Array> {
    const F = this.ctx.dim;
    const N = x.shape[0];
    const C = this.means.size;
    const xt = tf.tidy(() => {
      const p = this.o.beta === 0 ? tf.log(tf.maximum(x, 1e-12)) : tf.pow(tf.relu(x), this.o.beta);
      return tf.div(p, tf.maximum(tf.norm(p, 2, 1, true), 1e-12)) as tf.Tensor2D;
    });
    const dist = new Float32Array(N * C);
    try {
      for (let c = 0; c < C; c++) {
        const dc = tf.tidy(() => {
          const diff = tf.sub(xt, tf.tensor2d(this.means.get(c)!, [1, F]));
          return tf.sum(tf.mul(tf.matMul(diff, tf.tensor2d(this.precisions.get(c)!, [F, F])), diff), 1);
        });
        const v = await dc.data();
        dc.dispose();
        for (let i = 0; i < N; i++) dist[i * C + c] = v[i];
      }
    } finally {
      xt.dispose();
    }
    const out = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (dist[i * C + c] < dist[i * C + best]) best = c;
      out[i] = best;
    }
    return out;
  }

  /** A mean (F) and a symmetric covariance (F(F+1)/2 values) per class, float32. */
  memoryBits(): number {
    const F = this.ctx.dim;
    return this.means.size * (F + (F * (F + 1)) / 2) * 32;
  }

  dispose(): void {}
}

/** FeCAM baseline. */
export const FECAM_METHOD: MethodSpec = {
  name: 'fecam',
  description: 'FeCAM: Mahalanobis distance to class means with shrunk, normalised per-class covariances and Tukey\'s transform',
  reference: 'Goswami et al., "FeCAM: Exploiting the Heterogeneity of Class Distributions in Exemplar-Free Continual Learning", NeurIPS 2023 (beta 0.5, shrinkage 1/1 applied twice and covariance normalisation, as in its public code).',
  input: 'features',
  usesClassifier: false,
  usesBmm: false,
  options: {
    beta: { default: 0.5, help: 'Tukey power transform exponent (0 = log)', min: 0 },
    alpha1: { default: 1, help: 'shrinkage of the diagonal (times the mean variance)', min: 0 },
    alpha2: { default: 1, help: 'shrinkage of the off-diagonal (times the mean covariance)', min: 0 },
  },
  create: (ctx) => new FecamMethod(ctx),
};
