import { tf } from '../backend/tf.js';
import { rowsByClass, type CilMethod, type MethodContext, type MethodSpec, type StepData, type StepStats } from '../cil/method.js';
import { GbmError } from '../util/errors.js';
import { gatherRows } from '../features/select.js';
import { l2normalize, meanOfRows } from './stats.js';
import { LinearReplayMethod } from './linear-method.js';

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
  for (let a = 0; a < dim; a++)
    for (let b = a; b < dim; b++) {
      cov[a * dim + b] /= denom;
      cov[b * dim + a] = cov[a * dim + b];
    }
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
      else if (v !== 0) {
        off += v;
        offCount++;
      }
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
    if (!(s > 0))
      throw new GbmError(
        'a class covariance is not positive definite.',
        'raise the FeCAM shrinkage (alpha1) or give each class more training rows than feature dimensions.',
      );
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
export function tukey(x: ArrayLike<number>, beta: number): Float32Array {
  return Float32Array.from(x as ArrayLike<number>, (v) => (beta === 0 ? Math.log(Math.max(v, 1e-12)) : Math.max(v, 0) ** beta));
}

/** FeCAM's class mean: Tukey of the mean of the raw features (its code), or the mean of the Tukey-transformed ones. */
export type FecamClassMean = 'tukey-of-mean' | 'mean-of-tukey';

interface FecamOptions {
  beta: number;
  alpha1: number;
  alpha2: number;
  classMean: FecamClassMean;
  baseStep: 'classifier' | 'mahalanobis';
}

/**
 * FeCAM (official code, dipamgoswami/FeCAM, models/base.py and utils/maha_utils.py): each class kept as the mean of
 * its raw features and the covariance of its Tukey-transformed features, shrunk twice and scaled to unit diagonal;
 * a test feature is L2-normalised, Tukey-transformed and normalised again, and goes to the class of smallest
 * Mahalanobis distance to the normalised Tukey-transformed mean. The base step is scored by the base model's
 * classifier (here the kit's linear G trained on the base features, as every method that trains G trains it).
 */
class FecamMethod implements CilMethod {
  private readonly means = new Map<number, Float32Array>();
  private readonly precisions = new Map<number, Float32Array>();
  private readonly o: FecamOptions;
  private base: LinearReplayMethod | null = null;
  private step = -1;

  constructor(private readonly ctx: MethodContext) {
    const m = ctx.config.method.options;
    this.o = {
      beta: Number(m.beta),
      alpha1: Number(m.alpha1),
      alpha2: Number(m.alpha2),
      classMean: m['class-mean'] as FecamClassMean,
      baseStep: m['base-step'] as FecamOptions['baseStep'],
    };
  }

  async learn(d: StepData): Promise<StepStats> {
    this.step = d.step;
    let stats: StepStats = { trainLoss: NaN, extra: {}, seconds: { memory: 0, train: 0 } };
    if (d.step === 0 && this.o.baseStep === 'classifier') {
      this.base = new LinearReplayMethod(this.ctx, null);
      stats = await this.base.learn(d);
    } else {
      this.base?.dispose();
      this.base = null;
    }
    const ts = Date.now();
    const F = d.dim;
    rowsByClass(d).forEach((rows, i) => {
      const raw = gatherRows(d.x, F, rows);
      const t = tukey(raw, this.o.beta);
      const { mean: meanOfTukey, cov } = covariance(t, rows.length, F);
      const rawMean = meanOfRows(
        raw,
        F,
        Int32Array.from(rows, (_, j) => j),
      );
      this.keep(d.newClasses[i], rawMean, meanOfTukey, cov);
    });
    return { ...stats, seconds: { memory: (Date.now() - ts) / 1000, train: stats.seconds.train } };
  }

  /** A class's mean and precision from its raw mean, the mean and covariance of its Tukey-transformed rows. */
  private keep(cls: number, rawMean: ArrayLike<number>, meanOfTukey: ArrayLike<number>, cov: Float64Array): void {
    const F = this.ctx.dim;
    const mean = this.o.classMean === 'tukey-of-mean' ? tukey(rawMean, this.o.beta) : meanOfTukey;
    // Shrunk twice (once in compute_new_cov, once more before normalising), then scaled to a correlation matrix.
    const s = shrinkCovariance(shrinkCovariance(cov, F, this.o.alpha1, this.o.alpha2), F, this.o.alpha1, this.o.alpha2);
    this.means.set(cls, Float32Array.from(l2normalize(mean)));
    this.precisions.set(cls, Float32Array.from(invertSpd(normalizeCovariance(s, F), F)));
  }

  /**
   * Online (after the base step): one pass over the stream keeps, per class, the count and the sums of its raw rows,
   * of their Tukey transforms and of the transforms' outer products (float64); the means and covariance follow at the
   * end of the task, the same statistics as learn() up to float rounding.
   */
  async learnStream(d: StepData, batches: Int32Array[]): Promise<StepStats> {
    this.step = d.step;
    this.base?.dispose();
    this.base = null;
    const ts = Date.now();
    const F = d.dim;
    const acc = new Map(d.newClasses.map((c) => [c, { n: 0, raw: new Float64Array(F), t: new Float64Array(F), tt: new Float64Array(F * F) }]));
    for (const rows of batches)
      for (const r of rows) {
        const a = acc.get(d.y[r])!;
        const row = d.x.subarray(r * F, (r + 1) * F);
        const t = tukey(row, this.o.beta);
        a.n++;
        for (let j = 0; j < F; j++) {
          a.raw[j] += row[j];
          a.t[j] += t[j];
          const tj = t[j];
          if (tj === 0) continue;
          for (let k = j; k < F; k++) a.tt[j * F + k] += tj * t[k];
        }
      }
    for (const [cls, a] of acc) {
      const mean = a.t.map((v) => v / a.n);
      const cov = new Float64Array(F * F);
      const denom = Math.max(1, a.n - 1);
      for (let j = 0; j < F; j++)
        for (let k = j; k < F; k++) {
          cov[j * F + k] = (a.tt[j * F + k] - a.n * mean[j] * mean[k]) / denom;
          cov[k * F + j] = cov[j * F + k];
        }
      this.keep(
        cls,
        a.raw.map((v) => v / a.n),
        mean,
        cov,
      );
    }
    return { trainLoss: NaN, extra: {}, seconds: { memory: (Date.now() - ts) / 1000, train: 0 } };
  }

  async predict(x: tf.Tensor2D): Promise<Int32Array> {
    if (this.step === 0 && this.base) return this.base.predict(x);
    const F = this.ctx.dim;
    const N = x.shape[0];
    const C = this.means.size;
    const unit = (v: tf.Tensor2D, eps: number) => tf.div(v, tf.add(tf.norm(v, 2, 1, true), eps)) as tf.Tensor2D;
    const xt = tf.tidy(() => {
      const xn = unit(x, 1e-8); // EPSILON of FeCAM's _eval_maha
      const p = this.o.beta === 0 ? tf.log(tf.maximum(xn, 1e-12)) : tf.pow(tf.relu(xn), this.o.beta);
      return unit(p as tf.Tensor2D, 1e-12); // F.normalize in _mahalanobis
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

  dispose(): void {
    this.base?.dispose();
  }
}

/** FeCAM baseline. */
export const FECAM_METHOD: MethodSpec = {
  name: 'fecam',
  description: "FeCAM: Mahalanobis distance to class means with shrunk, normalised per-class covariances and Tukey's transform",
  reference:
    'Goswami et al., "FeCAM: Exploiting the Heterogeneity of Class Distributions in Exemplar-Free Continual Learning", NeurIPS 2023; as its official code runs it (beta 0.5, shrinkage 1/1 applied twice, covariance normalisation, Tukey of the raw class mean, the base step scored by the base classifier).',
  input: 'features',
  usesClassifier: true,
  usesBmm: false,
  options: {
    beta: { default: 0.5, help: 'Tukey power transform exponent (0 = log)', min: 0 },
    alpha1: { default: 1, help: 'shrinkage of the diagonal (times the mean variance)', min: 0 },
    alpha2: { default: 1, help: 'shrinkage of the off-diagonal (times the mean covariance)', min: 0 },
    'class-mean': {
      default: 'tukey-of-mean',
      help: "class mean: tukey-of-mean (Tukey of the raw mean, FeCAM's code) | mean-of-tukey (mean of transformed features)",
      choices: ['tukey-of-mean', 'mean-of-tukey'],
    },
    'base-step': {
      default: 'classifier',
      help: "base step scored by: classifier (the linear G trained on the base classes, FeCAM's code) | mahalanobis",
      choices: ['classifier', 'mahalanobis'],
    },
  },
  online: true,
  create: (ctx) => new FecamMethod(ctx),
};
