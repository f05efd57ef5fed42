import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';

/** Training options of the linear classifier G. */
export interface ClassifierConfig {
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  /** Each incremental task: keep G's weights and add columns ('continue'), or start G afresh ('reinit'). */
  perTask: 'continue' | 'reinit';
}

/** Defaults of ClassifierConfig, in one place. */
export const CLASSIFIER_DEFAULTS: ClassifierConfig = { epochs: 8, batchSize: 256, optimizer: 'adam', learningRate: 1e-3, perTask: 'continue' };

/** Refuse options G cannot train with, naming the option to change. */
export function checkClassifierConfig(cfg: ClassifierConfig): void {
  if (!(cfg.learningRate > 0)) throw new GbmError(`learning rate ${cfg.learningRate} must be > 0.`, 'use e.g. --lr 0.001.');
}

/** A linear softmax classifier over binary codes that grows as classes arrive. */
export class LinearClassifier {
  private W: tf.Variable;
  private b: tf.Variable;
  private readonly rng: MT19937;

  constructor(
    readonly dim: number,
    private classes: number,
    seed: number,
  ) {
    this.rng = new MT19937(seed);
    this.W = tf.variable(this.initW(dim, classes));
    this.b = tf.variable(tf.zeros([classes]));
  }

  private initW(d: number, c: number): tf.Tensor2D {
    return tf.randomNormal([d, c], 0, 0.01, 'float32', this.rng.childSeed()) as tf.Tensor2D;
  }

  /** Number of output classes. */
  get numClasses(): number {
    return this.classes;
  }

  /** Add output columns for new classes, keeping the old ones (or re-initialise everything). */
  grow(total: number, mode: ClassifierConfig['perTask']): void {
    if (total < this.classes) throw new Error(`cannot shrink the classifier from ${this.classes} to ${total} classes`);
    const [W, b] = tf.tidy(() =>
      mode === 'reinit'
        ? [this.initW(this.dim, total), tf.zeros([total])]
        : [tf.concat([this.W, this.initW(this.dim, total - this.classes)], 1), tf.concat([this.b, tf.zeros([total - this.classes])])],
    );
    tf.dispose([this.W, this.b]);
    this.W = tf.variable(W);
    this.b = tf.variable(b);
    tf.dispose([W, b]);
    this.classes = total;
  }

  /** Logits of codes [N, D] -> [N, C]. */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.W), this.b);
  }

  /** A fresh optimizer over the current weights (a grown classifier needs new optimizer state). */
  optimizer(cfg: ClassifierConfig): tf.Optimizer {
    checkClassifierConfig(cfg);
    return cfg.optimizer === 'sgd' ? tf.train.momentum(cfg.learningRate, 0.9) : tf.train.adam(cfg.learningRate);
  }

  /**
   * Mean softmax cross-entropy of a batch and its exact gradient, written out (dL/dlogits = (softmax - onehot) / B)
   * so that dW is a plain matMul of x^T: tfjs's autodiff uses a transposed matMul that is 4-5x slower on wasm.
   */
  lossAndGradients(x: tf.Tensor2D, y: tf.Tensor1D): { loss: tf.Scalar; dW: tf.Tensor2D; db: tf.Tensor1D } {
    return tf.tidy(() => {
      const n = x.shape[0];
      // softmax is one fused kernel on wasm; logSoftmax + exp are several (and exp is slow there).
      const probs = tf.softmax(this.logits(x));
      const onehot = tf.oneHot(y, this.classes);
      const pTrue = tf.maximum(tf.sum(tf.mul(probs, onehot), 1), 1e-30);
      const loss = tf.div(tf.neg(tf.sum(tf.log(pTrue))), n) as tf.Scalar;
      const dLogits = tf.mul(tf.sub(probs, onehot), 1 / n);
      return { loss, dW: tf.matMul(tf.transpose(x), dLogits) as tf.Tensor2D, db: tf.sum(dLogits, 0) as tf.Tensor1D };
    });
  }

  /**
   * One optimizer step of softmax cross-entropy on a batch; returns the loss as a scalar tensor that the caller
   * disposes (sum it on the backend and read it once per epoch: a read per step stalls a GPU).
   */
  step(opt: tf.Optimizer, x: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
    const { loss, dW, db } = this.lossAndGradients(x, y);
    opt.applyGradients({ [this.W.name]: dW, [this.b.name]: db });
    tf.dispose([dW, db]);
    return loss;
  }

  /** Run steps over batches, summing the loss on the backend; returns the mean loss (one read). */
  async steps(opt: tf.Optimizer, batches: Iterable<[tf.Tensor2D, tf.Tensor1D]>): Promise<number> {
    let sum: tf.Scalar = tf.scalar(0);
    let count = 0;
    for (const [x, y] of batches) {
      const loss = this.step(opt, x, y);
      const next = tf.add(sum, loss) as tf.Scalar;
      tf.dispose([sum, loss, x, y]);
      sum = next;
      count++;
    }
    const v = (await sum.data())[0];
    sum.dispose();
    return count ? v / count : NaN;
  }

  /** A host copy of [W; b] as one (dim + 1) x classes row-major matrix (the bias is the last row). */
  readParams(): Float32Array {
    const p = tf.tidy(() => tf.concat([this.W, tf.reshape(this.b, [1, this.classes])], 0));
    const out = p.dataSync() as Float32Array;
    p.dispose();
    return Float32Array.from(out);
  }

  /** Set W and b from a (dim + 1) x classes matrix laid out as readParams returns it. */
  writeParams(p: Float32Array): void {
    const C = this.classes;
    if (p.length !== (this.dim + 1) * C) throw new Error(`writeParams: ${p.length} values for a ${this.dim + 1} x ${C} matrix`);
    tf.tidy(() => {
      this.W.assign(tf.tensor2d(p.subarray(0, this.dim * C), [this.dim, C]));
      this.b.assign(tf.tensor1d(p.subarray(this.dim * C)));
    });
  }

  /** The weights as tensors (read-only view, for tests and analysis). */
  weights(): { W: tf.Tensor2D; b: tf.Tensor1D } {
    return { W: this.W as tf.Tensor2D, b: this.b as tf.Tensor1D };
  }

  /** Predicted class of each code. */
  async predict(x: tf.Tensor2D): Promise<Int32Array> {
    const p = tf.tidy(() => tf.argMax(this.logits(x), 1));
    const out = (await p.data()) as Int32Array;
    p.dispose();
    return out;
  }

  dispose(): void {
    tf.dispose([this.W, this.b]);
  }
}
