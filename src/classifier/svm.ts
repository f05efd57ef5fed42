import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';

/** Options of the one-vs-rest linear SVM (scikit-learn's LinearSVC with FeTrIL's settings as defaults). */
export interface SvmConfig {
  /** Inverse regularisation strength C (FeTrIL's configs: regul = 1.0). */
  C: number;
  /**
   * Which problem is solved (the same strictly convex objective, so the same weights up to each solver's tolerance):
   * primal (FeTrIL's LinearSVC(dual=False): liblinear's Newton solver; here Newton-CG on the tensor backend, every
   * class at once) | dual (liblinear's dual coordinate descent, LinearSVC(dual=True), one class at a time on the host).
   */
  solver: 'primal' | 'dual';
  /**
   * Primal: stop a class when |grad| <= tol * max(min(pos, neg), 1) / rows * |grad at w = 0|, liblinear's rule with
   * FeTrIL's toler = 1e-4; float32 gradients cannot always get there, so a class also stops when a Newton step no
   * longer lowers its objective.
   */
  tol: number;
  /**
   * Dual: stop a class when the spread of its projected dual gradient over one epoch (max - min) falls below dualTol,
   * liblinear's own criterion for that solver. 1e-3 puts the weights within 0.2 % of a float64 Newton solver's (tested).
   */
  dualTol: number;
  /**
   * At most this many iterations per class: Newton steps (primal; converges in tens) or epochs over the rows (dual;
   * L2-normalised features converge in under 100, raw ones can need thousands).
   */
  maxIter: number;
  /** Seed of the order in which the dual solver visits rows (the primal solver has no randomness). */
  seed: number;
}

/** Defaults of SvmConfig, in one place. */
export const SVM_DEFAULTS: SvmConfig = { C: 1, solver: 'primal', tol: 1e-4, dualTol: 1e-3, maxIter: 1000, seed: 1 };

/** A trained one-vs-rest linear SVM: W [D x C], b [C]; a row's class is argmax(x W + b). */
export interface LinearSvm {
  W: Float32Array;
  b: Float32Array;
  dim: number;
  classes: number;
  /** Newton steps (primal) or epochs (dual) taken: the most over classes. */
  iterations: number;
}

/**
 * Fit LinearSVC(penalty='l2', loss='squared_hinge', multi_class='ovr', fit_intercept=True, intercept_scaling=1), as
 * FeTrIL trains its head: for every class j independently, minimise 1/2 |[w_j, b_j]|^2 + C sum_i max(0, 1 - y_ij
 * (w_j . x_i + b_j))^2 with y_ij = +1 for class j, -1 otherwise (liblinear regularises the bias, an extra feature of
 * value 1). The objective is strictly convex, so either solver (config.solver) gives the same weights.
 */
export async function fitLinearSvm(xRows: Float32Array, y: Int32Array, classes: number, config: Partial<SvmConfig> = {}): Promise<LinearSvm> {
  const cfg = { ...SVM_DEFAULTS, ...config };
  return cfg.solver === 'dual' ? fitLinearSvmDual(xRows, y, classes, cfg) : fitLinearSvmPrimal(xRows, y, classes, cfg);
}

function checkSvmInput(xRows: Float32Array, y: Int32Array, classes: number, cfg: SvmConfig): number {
  if (!(cfg.C > 0)) throw new GbmError(`SVM C = ${cfg.C} must be > 0.`, "use e.g. --svm-c 1 (FeTrIL's value).");
  if (classes < 2) throw new GbmError(`an SVM needs at least 2 classes, got ${classes}.`, 'give the base task 2 or more classes.');
  if (cfg.solver !== 'primal' && cfg.solver !== 'dual') throw new GbmError(`SVM solver "${cfg.solver}" is unknown.`, 'use primal or dual.');
  const D = xRows.length / y.length;
  if (!Number.isInteger(D)) throw new Error(`${xRows.length} values for ${y.length} rows`);
  return D;
}

/**
 * The primal problem (FeTrIL's dual=False), every class at once on the tensor backend: Newton steps whose direction
 * solves H d = -g by conjugate gradients (H = I + 2C X_a^T X_a over the rows inside the margin, applied as two matMuls,
 * never formed), each class with its own Armijo step, from w = 0: what liblinear's trust-region Newton does one class at a
 * time. (Starting from the previous step's weights was measured no faster: the new classes set the pace.)
 */
async function fitLinearSvmPrimal(xRows: Float32Array, y: Int32Array, classes: number, cfg: SvmConfig): Promise<LinearSvm> {
  const D = checkSvmInput(xRows, y, classes, cfg);
  const N = y.length;
  const A = D + 1;
  const twoC = 2 * cfg.C;
  const pos = new Float64Array(classes);
  for (let i = 0; i < N; i++) pos[y[i]]++;
  const stopAt = Float64Array.from(pos, (p) => (cfg.tol * Math.max(Math.min(p, N - p), 1)) / N);
  const X = tf.tidy(() => tf.concat([tf.tensor2d(xRows, [N, D]), tf.ones([N, 1])], 1) as tf.Tensor2D);
  const Xt = tf.tidy(() => tf.transpose(X).clone() as tf.Tensor2D); // [A x N]: a plain matMul, not a transposed one (slow on wasm)
  const Y = tf.tidy(() => tf.sub(tf.mul(tf.oneHot(tf.tensor1d(y, 'int32'), classes).toFloat(), 2), 1) as tf.Tensor2D);
  const colSum = (t: tf.Tensor2D) => tf.sum(t, 0, true) as tf.Tensor2D; // [1 x C]
  const read = async (t: tf.Tensor) => {
    const v = Float64Array.from((await t.data()) as Float32Array);
    t.dispose();
    return v;
  };
  let W = tf.zeros([A, classes]) as tf.Tensor2D;
  const done = new Uint8Array(classes);
  let g0: Float64Array | null = null;
  let iterations = 0;
  try {
    for (let it = 0; it < cfg.maxIter; it++) {
      // Margins, the rows inside them, and the gradient g = w - 2C X^T (y * max(0, 1 - y x.w)).
      const M = tf.tidy(() => tf.matMul(X, W) as tf.Tensor2D);
      const viol = tf.tidy(() => tf.relu(tf.sub(1, tf.mul(Y, M))) as tf.Tensor2D);
      const act = tf.tidy(() => tf.cast(tf.greater(viol, 0), 'float32') as tf.Tensor2D);
      const G = tf.tidy(() => tf.sub(W, tf.mul(twoC, tf.matMul(Xt, tf.mul(Y, viol)))) as tf.Tensor2D);
      const gnorm = await read(tf.tidy(() => tf.sqrt(colSum(tf.square(G)))));
      if (g0 === null) g0 = Float64Array.from(gnorm, (v) => Math.max(v, 1e-30));
      for (let j = 0; j < classes; j++) if (gnorm[j] <= stopAt[j] * g0[j]) done[j] = 1;
      if (done.every((v) => v === 1)) {
        tf.dispose([M, viol, act, G]);
        break;
      }
      iterations = it + 1;
      const open = tf.tensor2d(
        Float32Array.from(done, (v) => 1 - v),
        [1, classes],
      );
      // Conjugate gradients on H s = -g, for the classes still open, to TRON's inexact-Newton precision |r| <= 0.1 |g|.
      // (A Jacobi preconditioner, as liblinear >= 2.20 uses, took more iterations here: measured.)
      let s = tf.zeros([A, classes]) as tf.Tensor2D;
      let r = tf.tidy(() => tf.mul(tf.neg(G), open) as tf.Tensor2D);
      let d = r.clone();
      let rr = tf.tidy(() => colSum(tf.square(r)));
      for (let k = 0; k < A; k++) {
        const [s2, r2, rr2] = tf.tidy(() => {
          const Hd = tf.add(d, tf.mul(twoC, tf.matMul(Xt, tf.mul(act, tf.matMul(X, d)))));
          const dHd = colSum(tf.mul(d, Hd));
          const alpha = tf.where(tf.greater(dHd, 0), tf.div(rr, tf.maximum(dHd, 1e-30)), tf.zerosLike(dHd));
          const rNew = tf.sub(r, tf.mul(alpha, Hd)) as tf.Tensor2D;
          return [tf.add(s, tf.mul(alpha, d)) as tf.Tensor2D, rNew, colSum(tf.square(rNew))];
        });
        const rrNow = await read(rr2.clone());
        const more = Float32Array.from(rrNow, (v, j) => (done[j] === 0 && Math.sqrt(v) > 0.1 * gnorm[j] ? 1 : 0));
        const d2 = tf.tidy(() => tf.add(r2, tf.mul(tf.div(rr2, tf.maximum(rr, 1e-30)), d)) as tf.Tensor2D);
        tf.dispose([s, r, d, rr]);
        [s, r, d, rr] = [s2, r2, d2, rr2];
        if (!more.some((v) => v === 1)) break;
        // A class whose residual is small enough keeps its s: its search direction stops changing.
        const keep = tf.tensor2d(more, [1, classes]);
        const [rk, dk] = tf.tidy(() => [tf.mul(r, keep) as tf.Tensor2D, tf.mul(d, keep) as tf.Tensor2D]);
        tf.dispose([r, d, keep]);
        [r, d] = [rk, dk];
      }
      // Armijo step per class: the change of the objective is computed as a sum of per-row changes (not as a
      // difference of two large sums), so float32 resolves steps down to the optimum.
      const Z = tf.tidy(() => tf.matMul(X, s) as tf.Tensor2D);
      const viol2 = tf.tidy(() => tf.square(viol) as tf.Tensor2D);
      const sums = await read(tf.tidy(() => tf.concat([colSum(tf.mul(G, s)), colSum(tf.mul(W, s)), colSum(tf.square(s))], 0)));
      const [gs, ws, ss] = [0, 1, 2].map((k) => sums.subarray(k * classes, (k + 1) * classes));
      const step = Float64Array.from(done, (v) => (v ? 0 : 1));
      const settled = Uint8Array.from(done);
      for (let trial = 0; trial < 40 && !settled.every((v) => v === 1); trial++) {
        const t = tf.tensor2d(Float32Array.from(step), [1, classes]);
        const loss = await read(
          tf.tidy(() => {
            const v2 = tf.relu(tf.sub(1, tf.mul(Y, tf.add(M, tf.mul(Z, t)))));
            return colSum(tf.sub(tf.square(v2), viol2));
          }),
        );
        t.dispose();
        for (let j = 0; j < classes; j++) {
          if (settled[j]) continue;
          const a = step[j];
          const change = a * ws[j] + 0.5 * a * a * ss[j] + cfg.C * loss[j];
          if (change <= 1e-4 * a * gs[j] && change < 0) settled[j] = 1;
          else if (trial === 39) {
            // No step lowers the objective any more: the class is at float32's resolution of its optimum.
            step[j] = 0;
            settled[j] = 1;
            done[j] = 1;
          } else step[j] = a / 2;
        }
      }
      const t = tf.tensor2d(Float32Array.from(step), [1, classes]);
      const W2 = tf.tidy(() => tf.add(W, tf.mul(s, t)) as tf.Tensor2D);
      tf.dispose([W, s, r, d, rr, Z, viol2, t, open, M, viol, act, G]);
      W = W2;
    }
    const w = (await W.data()) as Float32Array;
    const Wout = new Float32Array(D * classes);
    Wout.set(w.subarray(0, D * classes));
    return { W: Wout, b: Float32Array.from(w.subarray(D * classes)), dim: D, classes, iterations };
  } finally {
    tf.dispose([X, Xt, Y, W]);
  }
}

/**
 * The dual problem (LinearSVC(dual=True)): liblinear's dual coordinate descent for this loss (Hsieh et al., ICML 2008:
 * one coordinate of the dual at a time, closed-form, with shrinking), one class at a time, in float64 on the host,
 * O(rows x D) per epoch. Rows are visited in a seeded order.
 */
export function fitLinearSvmDual(xRows: Float32Array, y: Int32Array, classes: number, config: Partial<SvmConfig> = {}): LinearSvm {
  const cfg = { ...SVM_DEFAULTS, ...config, solver: 'dual' as const };
  const D = checkSvmInput(xRows, y, classes, cfg);
  const N = y.length;
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
      if (pgMax - pgMin <= cfg.dualTol) {
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
