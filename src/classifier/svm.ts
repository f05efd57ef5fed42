import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';

/** Options of the one-vs-rest linear SVM (scikit-learn's LinearSVC with FeTrIL's settings as defaults). */
export interface SvmConfig {
  /** Inverse regularisation strength C (FeTrIL's configs: regul = 1.0). */
  C: number;
  /**
   * Stop a class when its gradient norm falls below tol times its initial norm (or when a line search can no longer
   * lower its objective in float32). liblinear's own test is stricter than FeTrIL's toler = 1e-4 suggests (it scales
   * it by min(#pos, #neg) / #rows), so 1e-6 here: at 1e-4 weights were still 1 % away from the optimum.
   */
  tol: number;
  /** Newton iterations at most. */
  maxIter: number;
}

/** Defaults of SvmConfig, in one place. */
export const SVM_DEFAULTS: SvmConfig = { C: 1, tol: 1e-6, maxIter: 50 };

/** A trained one-vs-rest linear SVM: W [D x C], b [C]; a row's class is argmax(x W + b). */
export interface LinearSvm {
  W: Float32Array;
  b: Float32Array;
  dim: number;
  classes: number;
  /** Newton iterations taken (the most over classes). */
  iterations: number;
}

/**
 * Fit LinearSVC(penalty='l2', loss='squared_hinge', dual=False, multi_class='ovr', fit_intercept=True,
 * intercept_scaling=1), as FeTrIL trains its head: for every class j independently, minimise
 * 1/2 |[w_j, b_j]|^2 + C sum_i max(0, 1 - y_ij (w_j . x_i + b_j))^2 with y_ij = +1 for class j, -1 otherwise
 * (liblinear regularises the bias, which is an extra feature of value 1). The objective is strictly convex,
 * so any exact solver gives liblinear's answer; here all classes at once by Newton's method with conjugate
 * gradients on the generalised Hessian (Keerthi & DeCoste 2005) and a backtracking line search, every
 * product a matMul over all classes on the tensor backend.
 */
export async function fitLinearSvm(x: tf.Tensor2D, y: Int32Array, classes: number, config: Partial<SvmConfig> = {}): Promise<LinearSvm> {
  const cfg = { ...SVM_DEFAULTS, ...config };
  if (!(cfg.C > 0)) throw new GbmError(`SVM C = ${cfg.C} must be > 0.`, 'use e.g. --svm-c 1 (FeTrIL\'s value).');
  if (classes < 2) throw new GbmError(`an SVM needs at least 2 classes, got ${classes}.`, 'give the base task 2 or more classes.');
  const [N, D] = x.shape;
  if (y.length !== N) throw new Error(`${y.length} labels for ${N} rows`);
  const C2 = 2 * cfg.C;
  const Xa = tf.tidy(() => tf.concat([x, tf.ones([N, 1])], 1)) as tf.Tensor2D; // [N, D+1]
  const XaT = tf.transpose(Xa) as tf.Tensor2D; // [D+1, N]: X^T r as a plain matMul (the fast layout on wasm)
  const Y = tf.tidy(() => tf.sub(tf.mul(tf.oneHot(tf.tensor1d(y, 'int32'), classes), 2), 1)) as tf.Tensor2D; // [N, C]
  let W = tf.zeros([D + 1, classes]) as tf.Tensor2D;
  let M = tf.zeros([N, classes]) as tf.Tensor2D; // margins Xa W
  // Per-class objective for weights Wc and margins Mc: [1, C].
  const objective = (Wc: tf.Tensor2D, Mc: tf.Tensor2D) => tf.tidy(() => tf.add(
    tf.mul(tf.sum(tf.square(Wc), 0, true), 0.5),
    tf.mul(tf.sum(tf.square(tf.relu(tf.sub(1, tf.mul(Y, Mc)))), 0, true), cfg.C)));
  let g0: Float32Array | null = null;
  const frozen = new Uint8Array(classes); // classes whose line search found no decrease: at the optimum up to float noise
  let iterations = 0;
  try {
    for (let it = 0; it < cfg.maxIter; it++) {
      const { A, G, gnorm } = tf.tidy(() => {
        const A = tf.cast(tf.less(tf.mul(Y, M), 1), 'float32'); // active set: margin violated
        const G = tf.add(W, tf.mul(tf.matMul(XaT, tf.mul(A, tf.sub(M, Y))), C2)); // [D+1, C]
        return { A, G, gnorm: tf.sqrt(tf.sum(tf.square(G), 0)) };
      });
      const gn = (await gnorm.data()) as Float32Array;
      gnorm.dispose();
      if (!g0) g0 = Float32Array.from(gn);
      // Classes still above their tolerance keep iterating; the others get a zero direction.
      const live = Float32Array.from(gn, (v, j) => (!frozen[j] && v > cfg.tol * g0![j] && v > 1e-30 ? 1 : 0));
      if (live.every((v) => v === 0)) {
        tf.dispose([A, G]);
        break;
      }
      iterations = it + 1;
      const liveT = tf.tensor2d(live, [1, classes]);
      const Hv = (v: tf.Tensor2D) => tf.tidy(() => tf.add(v, tf.mul(tf.matMul(XaT, tf.mul(A, tf.matMul(Xa, v))), C2)));
      // Conjugate gradients on H d = -G, column by column (inexact Newton: residual down to 0.1 |G|).
      let d = tf.zeros([D + 1, classes]) as tf.Tensor2D;
      let r = tf.tidy(() => tf.mul(tf.neg(G), liveT)) as tf.Tensor2D;
      let p = r.clone();
      let rr = tf.tidy(() => tf.sum(tf.square(r), 0, true));
      const target = tf.tidy(() => tf.square(tf.mul(tf.tensor2d(gn, [1, classes]), 0.1)));
      for (let k = 0; k < 2 * (D + 1); k++) {
        const Hp = Hv(p);
        const [dn, rn, rrn] = tf.tidy(() => {
          const alpha = tf.div(rr, tf.maximum(tf.sum(tf.mul(p, Hp), 0, true), 1e-30));
          const rNew = tf.sub(r, tf.mul(alpha, Hp));
          return [tf.add(d, tf.mul(alpha, p)), rNew, tf.sum(tf.square(rNew), 0, true)];
        });
        Hp.dispose();
        const done = tf.tidy(() => tf.all(tf.lessEqual(rrn, target)));
        const stop = (await done.data())[0] === 1;
        done.dispose();
        const pn = tf.tidy(() => tf.add(rn, tf.mul(tf.div(rrn, tf.maximum(rr, 1e-30)), p)));
        tf.dispose([d, r, p, rr]);
        [d, r, p, rr] = [dn as tf.Tensor2D, rn as tf.Tensor2D, pn as tf.Tensor2D, rrn];
        if (stop) break;
      }
      tf.dispose([r, p, rr, target, A]);
      // Backtracking line search per class on the exact objective (Armijo, c = 0.01), margins updated linearly.
      const Md = tf.matMul(Xa, d);
      const f0 = objective(W, M);
      const slope = tf.tidy(() => tf.sum(tf.mul(G, d), 0, true));
      G.dispose();
      let step = tf.onesLike(f0);
      let accepted = tf.zerosLike(f0);
      for (let ls = 0; ls < 30; ls++) {
        const ok = tf.tidy(() => {
          const f = objective(tf.add(W, tf.mul(step, d)) as tf.Tensor2D, tf.add(M, tf.mul(step, Md)) as tf.Tensor2D);
          return tf.cast(tf.lessEqual(f, tf.add(f0, tf.mul(tf.mul(step, slope), 0.01))), 'float32');
        });
        const next = tf.tidy(() => tf.maximum(accepted, ok));
        const nextStep = tf.tidy(() => tf.add(tf.mul(step, next), tf.mul(tf.mul(step, 0.5), tf.sub(1, next))));
        tf.dispose([accepted, step]);
        [accepted, step] = [next, nextStep];
        ok.dispose();
        const all = tf.tidy(() => tf.min(accepted));
        const allOk = (await all.data())[0] === 1;
        all.dispose();
        if (allOk) break;
      }
      // A class whose search failed (float noise at the optimum) keeps its weights and stops.
      const acc = (await accepted.data()) as Float32Array;
      acc.forEach((a, j) => { if (live[j] && a === 0) frozen[j] = 1; });
      const s = tf.tidy(() => tf.mul(tf.mul(step, accepted), liveT));
      const [Wn, Mn] = tf.tidy(() => [tf.add(W, tf.mul(s, d)), tf.add(M, tf.mul(s, Md))]);
      tf.dispose([W, M, d, Md, f0, slope, step, accepted, s, liveT]);
      W = Wn as tf.Tensor2D;
      M = Mn as tf.Tensor2D;
    }
    const Wh = (await W.data()) as Float32Array;
    return { W: Wh.slice(0, D * classes), b: Wh.slice(D * classes), dim: D, classes, iterations };
  } finally {
    tf.dispose([Xa, XaT, Y, W, M]);
  }
}

/** Predicted class of each row [N x D] under a trained SVM: argmax(x W + b). */
export async function predictLinearSvm(svm: LinearSvm, x: tf.Tensor2D): Promise<Int32Array> {
  const p = tf.tidy(() => tf.argMax(tf.add(tf.matMul(x, tf.tensor2d(svm.W, [svm.dim, svm.classes])), tf.tensor1d(svm.b)), 1));
  const out = (await p.data()) as Int32Array;
  p.dispose();
  return out;
}
