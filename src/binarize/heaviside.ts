import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../backend/tf.js';
import { writeFileAtomic } from '../util/atomic.js';
import { sha256 } from '../util/hash.js';
import { MT19937 } from '../util/mt19937.js';
import { GbmError } from '../util/errors.js';
import { BINARIZER_DEFAULTS, type Binarizer, type BinarizerSpec, type HeavisideConfig } from './binarizer.js';
import { heavisideSTE } from './ste.js';

/**
 * Heaviside binarizer (GBM_H): standardise the features with base-task statistics, project u = W f + b, and
 * take z = 1[u > 0]. W and b are trained on the base task through the STE, with a softmax head on the codes.
 */
export class HeavisideBinarizer implements Binarizer {
  constructor(
    readonly config: HeavisideConfig,
    private readonly mean: tf.Tensor1D,
    private readonly std: tf.Tensor1D,
    private readonly W: tf.Variable,
    private readonly b: tf.Variable,
  ) {}

  get inputDim(): number {
    return this.mean.shape[0];
  }

  get codeLength(): number {
    return this.config.bits;
  }

  /** Pre-activations u (differentiable w.r.t. W and b). */
  project(features: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(tf.div(tf.sub(features, this.mean), this.std), this.W), this.b);
  }

  encode(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => heavisideSTE(this.project(features)) as tf.Tensor2D);
  }

  /** mean, std, W, b: everything encode() uses (for caching). */
  parameters(): tf.Tensor[] {
    return [this.mean, this.std, this.W, this.b];
  }

  state(): Record<string, unknown> {
    return { kind: 'heaviside', bits: this.config.bits, W: { shape: this.W.shape }, trainedEpochs: this.config.epochs };
  }

  dispose(): void {
    tf.dispose([this.mean, this.std, this.W, this.b]);
  }
}

/** Train a Heaviside binarizer on base-task features [n x d] with labels in [0, numClasses). */
export async function fitHeaviside(
  config: HeavisideConfig,
  features: Float32Array,
  labels: Int32Array,
  n: number,
  d: number,
  numClasses: number,
  seed: number,
  onEpoch?: (epoch: number, loss: number) => void,
): Promise<HeavisideBinarizer> {
  if (!Number.isInteger(config.bits) || config.bits < 1)
    throw new GbmError(`Heaviside code length ${config.bits} must be a positive integer.`, 'use e.g. --bits 256.');
  const rng = new MT19937(seed);
  const x = tf.tensor2d(features, [n, d]);
  const mean = tf.tidy(() => x.mean(0) as tf.Tensor1D);
  const std = tf.tidy(() => tf.sqrt(tf.moments(x, 0).variance).add(1e-6) as tf.Tensor1D);
  const W = tf.variable(tf.randomNormal([d, config.bits], 0, 1 / Math.sqrt(d), 'float32', rng.childSeed()));
  const b = tf.variable(tf.zeros([config.bits]));
  const V = tf.variable(tf.randomNormal([config.bits, numClasses], 0, 1 / Math.sqrt(config.bits), 'float32', rng.childSeed()));
  const c = tf.variable(tf.zeros([numClasses]));
  const bin = new HeavisideBinarizer(config, mean, std, W, b);
  const y = tf.tensor1d(labels, 'int32');
  const opt = tf.train.adam(config.learningRate);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    rng.shuffle(order);
    let total: tf.Scalar = tf.scalar(0);
    for (let s = 0; s < n; s += config.batchSize) {
      const idx = tf.tensor1d(order.subarray(s, Math.min(n, s + config.batchSize)), 'int32');
      const loss = opt.minimize(
        () => {
          const xb = tf.gather(x, idx) as tf.Tensor2D;
          const z = heavisideSTE(bin.project(xb)) as tf.Tensor2D;
          const logits = tf.add(tf.matMul(z, V), c);
          return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.gather(y, idx), numClasses), logits) as tf.Scalar;
        },
        true,
        [W, b, V, c],
      );
      const next = tf.add(total, tf.mul(loss!, idx.shape[0])) as tf.Scalar;
      tf.dispose([loss!, idx, total]);
      total = next;
    }
    const epochLoss = (await total.data())[0] / n;
    total.dispose();
    onEpoch?.(epoch, epochLoss);
  }
  tf.dispose([x, y, V, c]);
  opt.dispose();
  return bin;
}

/** Bump when the Heaviside training or the file layout changes. */
const FORMAT = 'gbm-heaviside/1';

/**
 * A trained Heaviside binarizer depends only on its config, seed and base-task data, not on K, mu precision or
 * the classifier: cache it under `dir`, keyed by a hash of all three, so sweeps over K train it once per seed.
 * The file holds the float32 parameters exactly, so a cached binarizer gives the same codes as a fresh one.
 */
export async function fitHeavisideCached(
  dir: string,
  config: HeavisideConfig,
  x: Float32Array,
  y: Int32Array,
  n: number,
  d: number,
  numClasses: number,
  seed: number,
): Promise<HeavisideBinarizer> {
  const data = sha256(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)) + sha256(new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  const key = sha256(JSON.stringify({ FORMAT, config, seed, n, d, numClasses, data })).slice(0, 16);
  const file = path.join(dir, `heaviside-${key}.bin`);
  const sizes = [d, d, d * config.bits, config.bits];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (fs.existsSync(file)) {
    const raw = fs.readFileSync(file);
    if (raw.length === total * 4) {
      const all = new Float32Array(Uint8Array.from(raw).buffer);
      let o = 0;
      const [mean, std, W, b] = sizes.map((s) => {
        const part = all.subarray(o, o + s);
        o += s;
        return part;
      });
      const [tm, ts, tW, tb] = tf.tidy(() => [tf.tensor1d(mean), tf.tensor1d(std), tf.variable(tf.tensor2d(W, [d, config.bits])), tf.variable(tf.tensor1d(b))]);
      return new HeavisideBinarizer(config, tm as tf.Tensor1D, ts as tf.Tensor1D, tW as tf.Variable, tb as tf.Variable);
    }
    // A truncated or stale file: train again and replace it.
  }
  const bin = await fitHeaviside(config, x, y, n, d, numClasses, seed);
  const parts = await Promise.all(bin.parameters().map((t) => t.data() as Promise<Float32Array>));
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  writeFileAtomic(file, new Uint8Array(all.buffer));
  return bin;
}

/** GBM_H as a registered binarizer: a projection + sign trained on the base task (reused from the cache when it can be). */
export const HEAVISIDE_BINARIZER: BinarizerSpec = {
  kind: 'heaviside',
  description: 'Heaviside code (GBM_H): a learned projection + sign, trained on the base task with the STE',
  options: { bits: { default: BINARIZER_DEFAULTS.heaviside.bits, help: 'Heaviside code length', integer: true } },
  defaults: BINARIZER_DEFAULTS.heaviside,
  check: (c) => {
    if (!Number.isInteger(c.bits) || Number(c.bits) < 1)
      throw new GbmError(`Heaviside code length ${c.bits} must be a positive integer.`, 'use e.g. --bits 256.');
  },
  fit: async (c, d) => {
    const hc = c as HeavisideConfig;
    return d.cacheDir
      ? fitHeavisideCached(d.cacheDir, hc, d.features, d.labels, d.n, d.dim, d.numClasses, d.seed)
      : fitHeaviside(hc, d.features, d.labels, d.n, d.dim, d.numClasses, d.seed);
  },
  tag: (c) => `heavi-${c.bits}`,
};
