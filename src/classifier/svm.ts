import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';

/** Options of the one-vs-rest linear SVM (scikit-learn's LinearSVC with FeTrIL's settings as defaults). */
export interface SvmConfig {
  /** Inverse regularisation strength C (FeTrIL's configs: regul = 1.0). */
  C: number;
  /**
   * Stop a class when the spread of its projected dual gradient over one epoch (max - min) falls below tol, liblinear's
   * own criterion for this solver. 1e-3 puts the weights within 0.2 % of a float64 Newton solver's (tested).
   */
  tol: number;
  /** Epochs (passes over the rows) at most, per class: L2-normalised features (FeTrIL's) converge in under 100; raw ones can need thousands. */
  maxIter: number;
  /** Seed of the order in which rows are visited. */
  seed: number;
}

/** Defaults of SvmConfig, in one place. */
export const SVM_DEFAULTS: SvmConfig = { C: 1, tol: 1e-3, maxIter: 1000, seed: 1 };

/** A trained one-vs-rest linear SVM: W [D x C], b [C]; a row's class is argmax(x W + b). */
export interface LinearSvm {
  W: Float32Array;
  b: Float32Array;
  dim: number;
  classes: number;
  /** Epochs taken (the most over classes). */
  iterations: number;
}

/**
 * Fit LinearSVC(penalty='l2', loss='squared_hinge', multi_class='ovr', fit_intercept=True, intercept_scaling=1), as
 * FeTrIL trains its head: for every class j independently, minimise 1/2 |[w_j, b_j]|^2 + C sum_i max(0, 1 - y_ij
 * (w_j . x_i + b_j))^2 with y_ij = +1 for class j, -1 otherwise (liblinear regularises the bias, an extra feature of
 * value 1). The objective is strictly convex, so any exact solver gives the same weights; here liblinear's dual
 * coordinate descent for this loss (Hsieh et al., ICML 2008: one coordinate of the dual at a time, closed-form,
 * with shrinking), in float64 on the host, O(rows x D) per epoch. Rows are visited in a seeded order.
 */
export function fitLinearSvm(xRows: Float32Array, y: Int32Array, classes: number, config: Partial<SvmConfig> = {}): LinearSvm {
  const cfg = { ...SVM_DEFAULTS, ...config };
  if (!(cfg.C > 0)) throw new GbmError(`SVM C = ${cfg.C} must be > 0.`, "use e.g. --svm-c 1 (FeTrIL's value).");
  if (classes < 2) throw new GbmError(`an SVM needs at least 2 classes, got ${classes}.`, 'give the base task 2 or more classes.');
  const N = y.length;
  const D = xRows.length / N;
  if (!Number.isInteger(D)) throw new Error(`${xRows.length} values for ${N} rows`);
  const A = D + 1; // augmented with the bias feature
  const X = new Float32Array(N * A); // rows as given (float32): half the memory traffic of each pass; sums in float64
  const qd = new Float64Array(N); // Q_ii = x_i . x_i + 1 / (2C)
  const diag = 1 / (2 * cfg.C);
  for (let i = 0; i < N; i++) {
    let q = 1;
    for (let d = 0; d < D; d++) {
      const v = xRows[i * D + d];
      X[i * A + d] = v;
      q += v * v;
    }
    X[i * A + D] = 1;
    qd[i] = q + diag;
  }
  const W = new Float32Array(D * classes);
  const b = new Float32Array(classes);
  const rng = new MT19937(cfg.seed);
  let iterations = 0;
  const alpha = new Float64Array(N);
  const index = new Int32Array(N);
  const w = new Float64Array(A);
  for (let j = 0; j < classes; j++) {
    alpha.fill(0);
    w.fill(0);
    for (let i = 0; i < N; i++) index[i] = i;
    let active = N;
    let pgMaxOld = Infinity;
    let epoch = 0;
    for (; epoch < cfg.maxIter; epoch++) {
      let pgMax = -Infinity;
      let pgMin = Infinity;
      // Seeded shuffle of the active rows.
      for (let k = active - 1; k > 0; k--) {
        const r = rng.interval(k);
        const t = index[k];
        index[k] = index[r];
        index[r] = t;
      }
      for (let s = 0; s < active; s++) {
        const i = index[s];
        const yi = y[i] === j ? 1 : -1;
        const o = i * A;
        let dot = 0;
        for (let d = 0; d < A; d++) dot += w[d] * X[o + d];
        const g = yi * dot - 1 + diag * alpha[i];
        let pg = 0;
        if (alpha[i] === 0) {
          // Shrinking (liblinear): a row at the bound whose gradient is past the last epoch's largest leaves the active set.
          if (g > pgMaxOld) {
            active--;
            index[s] = index[active];
            index[active] = i;
            s--;
            continue;
          }
          if (g < 0) pg = g;
        } else pg = g;
        if (pg > pgMax) pgMax = pg;
        if (pg < pgMin) pgMin = pg;
        if (Math.abs(pg) > 1e-12) {
          const old = alpha[i];
          alpha[i] = Math.max(old - g / qd[i], 0);
          const delta = (alpha[i] - old) * yi;
          for (let d = 0; d < A; d++) w[d] += delta * X[o + d];
        }
      }
      if (pgMax - pgMin <= cfg.tol) {
        // Converged on the active set: check every row once more before stopping (liblinear does the same).
        if (active === N) break;
        active = N;
        pgMaxOld = Infinity;
        continue;
      }
      pgMaxOld = pgMax <= 0 ? Infinity : pgMax;
    }
    iterations = Math.max(iterations, epoch + 1);
    for (let d = 0; d < D; d++) W[d * classes + j] = w[d];
    b[j] = w[D];
  }
  return { W, b, dim: D, classes, iterations };
}

/** Predicted class of each row [N x D] under a trained SVM: argmax(x W + b). */
export async function predictLinearSvm(svm: LinearSvm, x: tf.Tensor2D): Promise<Int32Array> {
  const p = tf.tidy(() => tf.argMax(tf.add(tf.matMul(x, tf.tensor2d(svm.W, [svm.dim, svm.classes])), tf.tensor1d(svm.b)), 1));
  const out = (await p.data()) as Int32Array;
  p.dispose();
  return out;
}
