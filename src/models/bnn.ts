import { tf } from '../backend/tf.js';
import { signSTE } from '../binarize/ste.js';
import { GbmError } from '../util/errors.js';
import { binaryConv, binaryDense, clipBinaryWeights, conv, dense, maxPool2, scaleShift, type Pass } from './layers.js';
import type { NetConfig, TrainableNet } from './net.js';
import { ParamStore } from './params.js';

/** Channels of the BNN's conv stages at width 1. */
const STAGES = [32, 64, 128];

/**
 * A small fully binary convolutional network in the style of BNN/XNOR-Net (Courbariaux et al. 2016; Rastegari
 * et al. 2016): a real first conv (the usual exception), then convolutions with +-1 weights on +-1 activations,
 * each followed by 2x2 max pooling and a per-channel scale and shift before the sign (no batch norm), and a
 * binary fully connected layer whose signs are the embedding: `bits` binary features that GBM models directly.
 * Weights and activations are trained with the straight-through estimator; a real linear head is used only to train.
 */
export class Bnn implements TrainableNet {
  readonly params: ParamStore;
  readonly featureDim: number;
  readonly binaryEmbedding = true;
  private readonly signs: (x: tf.Tensor4D) => tf.Tensor2D;
  private readonly head: (x: tf.Tensor2D) => tf.Tensor2D;

  constructor(
    readonly config: NetConfig,
    seed: number,
  ) {
    const { inputSize, width, numClasses } = config;
    const bits = config.bits ?? 256;
    const down = 2 ** STAGES.length;
    if (!Number.isInteger(inputSize) || inputSize < down || inputSize % down !== 0) {
      throw new GbmError(
        `the BNN cannot take input size ${inputSize}: its ${STAGES.length} pooling stages need a multiple of ${down}.`,
        'use --input-size 32 or 64.',
      );
    }
    if (!Number.isInteger(bits) || bits < 8) throw new GbmError(`BNN embedding bits = ${bits} must be an integer of at least 8.`, 'use e.g. --bits 256.');
    this.params = new ParamStore(seed);
    const ps = this.params;
    const ch = STAGES.map((c) => Math.max(4, Math.round(c * width)));
    const stem = conv(ps, 'conv0', 3, 3, ch[0]);
    const stemScale = scaleShift(ps, 'conv0', ch[0], 1);
    const blocks = ch.slice(1).map((c, i) => ({ conv: binaryConv(ps, `bconv${i + 1}`, 3, ch[i], c), scale: scaleShift(ps, `bconv${i + 1}`, c, 9 * ch[i]) }));
    const flat = ch[ch.length - 1] * (inputSize / down) ** 2;
    const fc = binaryDense(ps, 'bfc', flat, bits);
    const fcScale = scaleShift(ps, 'bfc', bits, flat);
    this.head = dense(ps, 'head', bits, numClasses);
    this.featureDim = bits;
    this.signs = (x) => {
      let h = signSTE(stemScale(maxPool2(stem(x)))) as tf.Tensor4D;
      for (const b of blocks) h = signSTE(b.scale(maxPool2(b.conv(h)))) as tf.Tensor4D;
      return signSTE(fcScale(fc(tf.reshape(h, [h.shape[0], flat])))) as tf.Tensor2D;
    };
  }

  logits(x: tf.Tensor4D, _pass: Pass): tf.Tensor2D {
    return this.head(this.signs(x));
  }

  features(x: tf.Tensor4D, _pass: Pass): tf.Tensor2D {
    return this.signs(x);
  }

  embed(x: tf.Tensor4D): tf.Tensor2D {
    // +-1 signs as 0/1 bits.
    return tf.tidy(() => tf.cast(tf.greater(this.signs(x), 0), 'float32') as tf.Tensor2D);
  }

  afterStep(): void {
    clipBinaryWeights(this.params);
  }

  deployedBits(): number {
    return this.params.bits((p) => !p.name.startsWith('head/'));
  }

  dispose(): void {
    this.params.dispose();
  }
}
