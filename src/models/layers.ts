import { tf } from '../backend/tf.js';
import { batchNormTrainForward, batchNormTrainGrad, runningAverage } from '../backend/ops.js';
import { signSTE } from '../binarize/ste.js';
import type { ParamStore } from './params.js';

/**
 * A forward pass's mode and the state updates it leaves behind: batch norm in training mode normalises with the
 * batch's moments and queues new running moments, applied by the trainer after the optimizer step.
 */
export interface Pass {
  training: boolean;
  updates: { variable: tf.Variable; value: tf.Tensor }[];
}

/** An inference pass (running moments, no updates). */
export const INFERENCE: Pass = { training: false, updates: [] };

/** 2-D convolution (NHWC, no bias) with He-normal initial weights. */
export function conv(ps: ParamStore, name: string, k: number, cin: number, cout: number, stride = 1, padding: 'same' | 'symmetric' = 'same') {
  const w = ps.normal(`${name}/kernel`, [k, k, cin, cout], Math.sqrt(2 / (k * k * cin)));
  // 'symmetric' pads k // 2 on every side, as PyTorch's Conv2d(padding=k // 2) does (TF's 'same' pads a stride-2
  // 3x3 conv asymmetrically, which would shift every imported feature map by a pixel).
  const p = Math.floor(k / 2);
  const pad: 'same' | [[number, number], [number, number], [number, number], [number, number]] =
    padding === 'same'
      ? 'same'
      : [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0],
        ];
  return Object.assign((x: tf.Tensor4D): tf.Tensor4D => tf.conv2d(x, w as tf.Tensor4D, stride, pad), { weight: w as tf.Tensor4D, stride, pad });
}

/** A convolution made by conv(): callable, with its weights and geometry for folding. */
export type ConvLayer = ReturnType<typeof conv>;
/** A batch norm made by batchNorm(): callable, with its parameters for folding. */
export type BatchNormLayer = ReturnType<typeof batchNorm>;

/**
 * conv then batch norm in inference mode (then ReLU), as one fused convolution: the running moments folded into the
 * weights (W * gamma / sqrt(var + eps) per output channel) and a bias (beta - mean * gamma / sqrt(var + eps)).
 * Folded at each call, so it never goes stale while the network trains; the same function up to float rounding.
 */
export function foldedConvBn(c: ConvLayer, bn: BatchNormLayer, activation: 'relu' | 'linear') {
  return (x: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const scale = tf.mul(bn.gamma, tf.rsqrt(tf.add(bn.variance, bn.eps)));
      const filter = tf.mul(c.weight, scale) as tf.Tensor4D; // scale broadcasts over the last (output) axis
      const bias = tf.sub(bn.beta, tf.mul(bn.mean, scale));
      return tf.fused.conv2d({ x, filter, strides: c.stride, pad: c.pad, bias, activation }) as tf.Tensor4D;
    });
}

/**
 * Batch norm in training mode with its analytic gradient (dx = g/sigma/N (N dy - sum dy - xhat sum(dy xhat))):
 * autodiff through moments() broadcasts with Tile, which cost a third of a ResNet-20 step on wasm. Both directions
 * are kit kernels (backend/ops.ts): fused launches on WebGPU, plain tf ops elsewhere. The batch moments are handed
 * to `onMoments` for the running averages.
 */
export function batchNormTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  onMoments: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor4D {
  const op = tf.customGrad(((xi: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [y, mean, variance] = batchNormTrainForward(xi, g, b, eps);
    onMoments(mean, variance);
    save([xi, mean, variance, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, m, v, gs] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const [dx, dgamma, dbeta] = batchNormTrainGrad(dy, xs, m, v, gs, eps);
        return [dx, dgamma, dbeta];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor4D, b: tf.Tensor1D, c: tf.Tensor1D) => tf.Tensor4D;
  return op(x, gamma, beta);
}

/** Batch normalisation over N, H, W (momentum 0.9, eps 1e-5, as PyTorch's 0.1 update). */
export function batchNorm(ps: ParamStore, name: string, channels: number) {
  const gamma = ps.constant(`${name}/gamma`, [channels], 1);
  const beta = ps.constant(`${name}/beta`, [channels], 0);
  const mean = ps.constant(`${name}/moving_mean`, [channels], 0, false);
  const variance = ps.constant(`${name}/moving_variance`, [channels], 1, false);
  const apply = (x: tf.Tensor4D, pass: Pass): tf.Tensor4D => {
    if (!pass.training) return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5) as tf.Tensor4D;
    const n = x.size / channels;
    return batchNormTrain(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5, (m, v) => {
      // Running variance uses the unbiased estimate, as PyTorch does.
      pass.updates.push({ variable: mean, value: tf.keep(runningAverage(mean, m, 0.9, 0.1)) });
      pass.updates.push({ variable: variance, value: tf.keep(runningAverage(variance, v, 0.9, (0.1 * n) / Math.max(1, n - 1))) });
    });
  };
  return Object.assign(apply, {
    gamma: gamma as tf.Tensor1D,
    beta: beta as tf.Tensor1D,
    mean: mean as tf.Tensor1D,
    variance: variance as tf.Tensor1D,
    eps: 1e-5,
  });
}

/** Fully connected layer with bias. */
export function dense(ps: ParamStore, name: string, din: number, dout: number) {
  const w = ps.normal(`${name}/kernel`, [din, dout], Math.sqrt(1 / din));
  const b = ps.constant(`${name}/bias`, [dout], 0);
  return (x: tf.Tensor2D): tf.Tensor2D => tf.add(tf.matMul(x, w as tf.Tensor2D), b);
}

/** Latent real weights binarised to +-1 in the forward pass, straight-through (clipped) gradient. */
function binaryWeights(w: tf.Variable): tf.Tensor {
  return signSTE(w);
}

/** Convolution with +-1 weights (1 bit each when deployed); stride 1, same padding. */
export function binaryConv(ps: ParamStore, name: string, k: number, cin: number, cout: number) {
  const w = ps.normal(`${name}/kernel`, [k, k, cin, cout], 0.1, 1);
  return (x: tf.Tensor4D): tf.Tensor4D => tf.conv2d(x, binaryWeights(w) as tf.Tensor4D, 1, 'same');
}

/** Fully connected layer with +-1 weights and no bias (the threshold lives in the following scale/shift). */
export function binaryDense(ps: ParamStore, name: string, din: number, dout: number) {
  const w = ps.normal(`${name}/kernel`, [din, dout], 0.1, 1);
  return (x: tf.Tensor2D): tf.Tensor2D => tf.matMul(x, binaryWeights(w) as tf.Tensor2D);
}

/**
 * Per-channel scale and shift before a sign (the fully binary design's replacement for batch norm): sign(g s + b)
 * thresholds s at -b/g, and g sets the width of the straight-through window. g starts at 1/sqrt(fan-in) so a sum
 * of fan-in +-1 products starts near unit scale.
 */
export function scaleShift(ps: ParamStore, name: string, channels: number, fanIn: number) {
  const g = ps.constant(`${name}/scale`, [channels], 1 / Math.sqrt(fanIn));
  const b = ps.constant(`${name}/shift`, [channels], 0);
  return <T extends tf.Tensor>(x: T): T => tf.add(tf.mul(x, g), b) as T;
}

/** Keep the latent weights of binary layers in [-1, 1] (BinaryConnect): outside it the STE passes no gradient. */
export function clipBinaryWeights(ps: ParamStore): void {
  tf.tidy(() => {
    for (const p of ps.params) if (p.bitsPerValue === 1) p.variable.assign(tf.clipByValue(p.variable, -1, 1));
  });
}

/** 2x2 max pooling. */
export const maxPool2 = (x: tf.Tensor4D): tf.Tensor4D => tf.maxPool(x, 2, 2, 'valid');

/** Global average pooling: [N, H, W, C] -> [N, C]. */
export const globalAvgPool = (x: tf.Tensor4D): tf.Tensor2D => tf.mean(x, [1, 2]) as tf.Tensor2D;
