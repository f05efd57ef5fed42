import { tf } from '../backend/tf.js';
import { checkClassifierConfig, type ClassifierConfig, type LinearClassifier } from './linear.js';

/** Backends on which G trains through HostStepTrainer (a read per step is cheap there; it would stall a GPU). */
export const HOST_STEP_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/** Whether the active backend trains G with HostStepTrainer rather than tfjs's optimizer ops. */
export function hostStepsOnThisBackend(): boolean {
  return HOST_STEP_BACKENDS.includes(tf.getBackend());
}

/**
 * G's training steps with three kernels each instead of ~58: the weights and bias live on the host as one
 * (D+1) x C matrix P = [W; b]; a step uploads the batch with a ones column (so the bias rides in the product),
 * runs logits = [x 1] P, softmax and dP = [x 1]^T softmax / n on the backend, subtracts the one-hot part
 * ([x 1]^T onehot / n, a sum of rows) on the host, and applies Adam or momentum there: the same update rule as
 * tfjs's optimizers (epsilon 1e-7, bias correction by beta^t), in float64 arithmetic stored as float32. Each
 * tfjs kernel costs ~15 us of engine overhead on wasm whatever its size, which made up most of a step.
 */
export class HostStepTrainer {
  private readonly P: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;
  private readonly rows1: number;
  private xa = new Float32Array(0);
  private xt = new Float32Array(0);
  private readonly onehotPart: Float64Array;

  constructor(
    private readonly g: LinearClassifier,
    private readonly cfg: ClassifierConfig,
  ) {
    checkClassifierConfig(cfg);
    this.P = g.readParams();
    this.m = new Float32Array(this.P.length);
    this.v = new Float32Array(cfg.optimizer === 'adam' ? this.P.length : 0);
    this.rows1 = g.dim + 1;
    this.onehotPart = new Float64Array(this.P.length);
  }

  /**
   * One step on the host rows x[rows[i]] (each `dim` long) with labels y[i], plus `extra` rows given whole; returns
   * the batch's mean cross-entropy when `withLoss` (it costs one more read), else NaN.
   */
  step(x: Float32Array, rows: Int32Array, y: Int32Array, withLoss: boolean, extra?: { x: Float32Array; y: Int32Array }): number {
    const n = rows.length;
    const D = this.g.dim;
    const D1 = this.rows1;
    const C = this.g.numClasses;
    const nExtra = extra ? extra.y.length : 0;
    const N = n + nExtra;
    if (this.xa.length < N * D1) {
      this.xa = new Float32Array(N * D1);
      this.xt = new Float32Array(N * D1);
    }
    const xa = this.xa;
    const xt = this.xt;
    const inv = 1 / N;
    const part = this.onehotPart;
    part.fill(0);
    const labels = new Int32Array(N);
    // [x 1] row-major for the forward product, [x 1]^T / N for the backward one, and [x 1]^T onehot / N.
    for (let i = 0; i < N; i++) {
      const src = i < n ? x : extra!.x;
      const r = i < n ? rows[i] : i - n;
      const label = i < n ? y[i] : extra!.y[i - n];
      labels[i] = label;
      const so = r * D;
      const ao = i * D1;
      for (let d = 0; d < D; d++) {
        const val = src[so + d];
        xa[ao + d] = val;
        xt[d * N + i] = val * inv;
        part[d * C + label] += val * inv;
      }
      xa[ao + D] = 1;
      xt[D * N + i] = inv;
      part[D * C + label] += inv;
    }
    const [probs, dP] = tf.tidy(() => {
      const pr = tf.softmax(tf.matMul(tf.tensor2d(xa.subarray(0, N * D1), [N, D1]), tf.tensor2d(this.P, [D1, C])));
      return [pr, tf.matMul(tf.tensor2d(xt.subarray(0, N * D1), [D1, N]), pr)];
    });
    const grad = dP.dataSync() as Float32Array;
    let loss = Number.NaN;
    if (withLoss) {
      const p = probs.dataSync() as Float32Array;
      let s = 0;
      for (let i = 0; i < N; i++) s -= Math.log(Math.max(p[i * C + labels[i]], 1e-30));
      loss = s / N;
    }
    tf.dispose([probs, dP]);
    this.update(grad, part);
    return loss;
  }

  /** Adam or momentum on P with gradient (grad - part), as tfjs's AdamOptimizer / MomentumOptimizer apply it. */
  private update(grad: Float32Array, part: Float64Array): void {
    const { P, m, v } = this;
    const lr = this.cfg.learningRate;
    this.t++;
    if (this.cfg.optimizer === 'adam') {
      const b1 = 0.9;
      const b2 = 0.999;
      const eps = 1e-7;
      const c1 = 1 - b1 ** this.t;
      const c2 = 1 - b2 ** this.t;
      for (let j = 0; j < P.length; j++) {
        const gj = grad[j] - part[j];
        const mj = b1 * m[j] + (1 - b1) * gj;
        const vj = b2 * v[j] + (1 - b2) * gj * gj;
        m[j] = mj;
        v[j] = vj;
        P[j] -= (lr * (mj / c1)) / (Math.sqrt(vj / c2) + eps);
      }
    } else {
      for (let j = 0; j < P.length; j++) {
        const a = 0.9 * m[j] + (grad[j] - part[j]);
        m[j] = a;
        P[j] -= lr * a;
      }
    }
  }

  /** Write the trained weights back into G. */
  finish(): void {
    this.g.writeParams(this.P);
  }
}
