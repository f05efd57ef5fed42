import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { batchNorm, conv, dense, foldedConvBn, globalAvgPool, type Pass } from './layers.js';
import type { NetConfig, TrainableNet } from './net.js';
import { ParamStore } from './params.js';

/** Stage layout of the ResNets the kit trains: blocks per stage, channels at width 1, stride of each stage. */
export const RESNET_LAYOUTS: Record<string, { blocks: number[]; channels: number[]; strides: number[]; stem: number }> = {
  // He et al. 2016, section 4.2 (CIFAR): 3 stages of n basic blocks, n = (depth - 2) / 6.
  resnet20: { blocks: [3, 3, 3], channels: [16, 32, 64], strides: [1, 2, 2], stem: 16 },
  resnet32: { blocks: [5, 5, 5], channels: [16, 32, 64], strides: [1, 2, 2], stem: 16 },
  // ResNet-18 with the CIFAR stem (3x3 stride 1, no max-pool), as the paper and FeCAM/FeTrIL use it.
  resnet18: { blocks: [2, 2, 2, 2], channels: [64, 128, 256, 512], strides: [1, 2, 2, 2], stem: 64 },
};

/**
 * A ResNet of basic blocks (two 3x3 conv + batch norm, identity shortcut, or 1x1 conv + batch norm when the shape
 * changes), a 3x3 stride-1 stem, global average pooling as the embedding, and a linear head for training.
 */
export class ResNet implements TrainableNet {
  readonly params: ParamStore;
  readonly featureDim: number;
  readonly binaryEmbedding = false;
  private readonly body: (x: tf.Tensor4D, pass: Pass) => tf.Tensor2D;
  /** The inference body with every batch norm folded into its convolution (embed). */
  private readonly folded: (x: tf.Tensor4D) => tf.Tensor2D;
  private readonly head: (x: tf.Tensor2D) => tf.Tensor2D;
  private readonly disposeExtra: () => void;

  constructor(
    readonly config: NetConfig,
    seed: number,
  ) {
    const layout = RESNET_LAYOUTS[config.arch];
    if (!layout) throw new GbmError(`unknown ResNet "${config.arch}".`, `use one of: ${Object.keys(RESNET_LAYOUTS).join(', ')}.`);
    const stemStride = config.stemStride ?? 1;
    if (![1, 2].includes(stemStride)) throw new GbmError(`stem stride ${stemStride} is not supported.`, 'use --stem-stride 1 or 2.');
    const down = stemStride * 2 ** layout.strides.filter((s) => s > 1).length;
    if (!Number.isInteger(config.inputSize) || config.inputSize < 2 * down) {
      throw new GbmError(
        `${config.arch} cannot take input size ${config.inputSize}: its ${Math.log2(down)} stride-2 stages need at least ${2 * down}.`,
        'use --input-size 32 or 64.',
      );
    }
    if (!(config.width > 0)) throw new GbmError(`width ${config.width} must be positive.`, 'use e.g. --width 1.');
    this.params = new ParamStore(seed);
    const ps = this.params;
    const w = (c: number) => Math.max(4, Math.round(c * config.width));
    const pad = config.padding ?? 'same';
    const stem = conv(ps, 'stem/conv', 3, 3, w(layout.stem), stemStride, pad);
    const stemBn = batchNorm(ps, 'stem/bn', w(layout.stem));
    type Block = (x: tf.Tensor4D, pass: Pass) => tf.Tensor4D;
    const blocks: Block[] = [];
    const foldedBlocks: ((x: tf.Tensor4D) => tf.Tensor4D)[] = [];
    let cin = w(layout.stem);
    layout.blocks.forEach((n, s) => {
      const cout = w(layout.channels[s]);
      for (let b = 0; b < n; b++) {
        const stride = b === 0 ? layout.strides[s] : 1;
        const name = `stage${s + 1}/block${b + 1}`;
        const c1 = conv(ps, `${name}/conv1`, 3, cin, cout, stride, pad);
        const bn1 = batchNorm(ps, `${name}/bn1`, cout);
        const c2 = conv(ps, `${name}/conv2`, 3, cout, cout, 1, pad);
        const bn2 = batchNorm(ps, `${name}/bn2`, cout);
        const project = stride !== 1 || cin !== cout;
        const sc = project ? conv(ps, `${name}/shortcut/conv`, 1, cin, cout, stride, pad) : null;
        const scBn = project ? batchNorm(ps, `${name}/shortcut/bn`, cout) : null;
        blocks.push((x, pass) => {
          const h = tf.relu(bn1(c1(x), pass));
          const y = bn2(c2(h), pass);
          const shortcut = sc && scBn ? scBn(sc(x), pass) : x;
          return tf.relu(tf.add(y, shortcut)) as tf.Tensor4D;
        });
        const f1 = foldedConvBn(c1, bn1, 'relu');
        const f2 = foldedConvBn(c2, bn2, 'linear');
        const fsc = sc && scBn ? foldedConvBn(sc, scBn, 'linear') : null;
        foldedBlocks.push((x) => tf.relu(tf.add(f2(f1(x)), fsc ? fsc(x) : x)) as tf.Tensor4D);
        cin = cout;
      }
    });
    this.featureDim = cin;
    this.head = dense(ps, 'head', cin, config.numClasses);
    const norm = config.inputNorm;
    if (norm && (norm.mean.length !== 3 || norm.std.length !== 3 || norm.std.some((v) => !(v > 0)))) {
      throw new GbmError(
        `input normalisation needs 3 means and 3 positive stds, got mean [${norm.mean}] std [${norm.std}].`,
        'pass e.g. --mean 0.5071,0.4865,0.4409 --std 0.2673,0.2564,0.2762.',
      );
    }
    // [-1, 1] -> [0, 1] -> (x - mean) / std, folded into one scale and shift per channel.
    const scale = norm ? tf.keep(tf.tensor1d(norm.std.map((s) => 0.5 / s))) : null;
    const shift = norm ? tf.keep(tf.tensor1d(norm.mean.map((m, i) => (0.5 - m) / norm.std[i]))) : null;
    this.disposeExtra = () => tf.dispose([scale, shift].filter((t): t is tf.Tensor1D => t !== null));
    this.body = (x, pass) => {
      const xin = scale && shift ? (tf.add(tf.mul(x, scale), shift) as tf.Tensor4D) : x;
      let h = tf.relu(stemBn(stem(xin), pass)) as tf.Tensor4D;
      for (const b of blocks) h = b(h, pass);
      return globalAvgPool(h);
    };
    const fstem = foldedConvBn(stem, stemBn, 'relu');
    this.folded = (x) => {
      const xin = scale && shift ? (tf.add(tf.mul(x, scale), shift) as tf.Tensor4D) : x;
      let h = fstem(xin);
      for (const b of foldedBlocks) h = b(h);
      return globalAvgPool(h);
    };
  }

  logits(x: tf.Tensor4D, pass: Pass): tf.Tensor2D {
    return this.head(this.body(x, pass));
  }

  features(x: tf.Tensor4D, pass: Pass): tf.Tensor2D {
    return this.body(x, pass);
  }

  /** The embedding in inference mode, through the folded body (batch norm inside the convolutions: fewer kernels). */
  embed(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.folded(x));
  }

  deployedBits(): number {
    return this.params.bits((p) => !p.name.startsWith('head/'));
  }

  dispose(): void {
    this.params.dispose();
    this.disposeExtra();
  }
}
