import { tf } from '../backend/tf.js';
import { GStepKernel } from './gstep-kernel.js';
import { checkClassifierConfig, type ClassifierConfig, type LinearClassifier } from './linear.js';

/** Backends on which G trains through HostStepTrainer (a read per step is cheap there; it would stall a GPU). */
export const HOST_STEP_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/** Whether the active backend trains G with HostStepTrainer rather than tfjs's optimizer ops. */
export function hostStepsOnThisBackend(): boolean {
  return HOST_STEP_BACKENDS.includes(tf.getBackend());
}

/**
 * G's training steps in one WebAssembly call each (kernels/gstep.c): the weights and bias live in the kernel's memory
 * as one (D+1) x C matrix P = [W; b]; a step copies the batch's rows in, and the kernel runs [x 1] P, the softmax
 * cross-entropy gradient, [x 1]^T of it and Adam or momentum: the update rules of tfjs's optimizers (epsilon 1e-7,
 * bias correction by beta^t). The products skip zero inputs, so 0/1 codes cost their set bits. Through tfjs the same
 * step took ~58 kernels of ~15 us engine overhead each on wasm, most of its time.
 */
export class HostStepTrainer {
  private readonly kernel: GStepKernel;
  private t = 0;

  constructor(
    private readonly g: LinearClassifier,
    private readonly cfg: ClassifierConfig,
  ) {
    checkClassifierConfig(cfg);
    this.kernel = new GStepKernel(g.dim, g.numClasses, cfg.batchSize + 64);
    this.kernel.P.set(g.readParams());
  }

  /**
   * One step on the host rows x[rows[i]] (each `dim` long) with their labels y[rows[i]], plus `extra` rows and labels
   * given whole; returns the batch's mean cross-entropy before the step when `withLoss`, else NaN.
   */
  step(x: Float32Array, y: Int32Array, rows: Int32Array, withLoss: boolean, extra?: { x: Float32Array; y: Int32Array }): number {
    const D = this.g.dim;
    const n = rows.length;
    const N = n + (extra ? extra.y.length : 0);
    const b = this.kernel.batch(N);
    for (let i = 0; i < n; i++) {
      b.x.set(x.subarray(rows[i] * D, (rows[i] + 1) * D), i * D);
      b.y[i] = y[rows[i]];
    }
    if (extra) {
      b.x.set(extra.x.subarray(0, extra.y.length * D), n * D);
      b.y.set(extra.y, n);
    }
    this.t++;
    const adam = this.cfg.optimizer === 'adam';
    return this.kernel.step(N, { kind: adam ? 'adam' : 'sgd', lr: this.cfg.learningRate, c1: 1 - 0.9 ** this.t, c2: 1 - 0.999 ** this.t, eps: 1e-7 }, withLoss);
  }

  /** Write the trained weights back into G. */
  finish(): void {
    this.g.writeParams(this.kernel.P);
  }
}
