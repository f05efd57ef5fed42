import { tf } from './tf.js';
import { ensureKernels } from './kernels/registry.js';
import { GbmBatchNormGrad, GbmBatchNormTrain, GbmEma, GbmSgdMomentum, type GbmSgdMomentumAttrs } from './kernels/names.js';

/*
 * The kit's own ops: each runs one kit kernel by name (kernels/names.ts), so a backend's fused version or the
 * plain-op one runs without the caller knowing which (kernels/registry.ts decides).
 */

function run<T extends tf.Tensor | tf.Tensor[]>(name: string, inputs: tf.NamedTensorMap, attrs: object): T {
  ensureKernels(tf.getBackend());
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as unknown as T;
}

/** One SGD-with-momentum step for one variable: [new velocity, new weights] (PyTorch's SGD with weight_decay). */
export function sgdMomentumStep(w: tf.Tensor, g: tf.Tensor, v: tf.Tensor, attrs: GbmSgdMomentumAttrs): [tf.Tensor, tf.Tensor] {
  return run(GbmSgdMomentum, { w, g, v }, attrs);
}

/** Batch norm in training mode over every axis but the last: [y, batch mean, biased batch variance]. */
export function batchNormTrainForward<R extends tf.Rank>(
  x: tf.Tensor<R>,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): [tf.Tensor<R>, tf.Tensor1D, tf.Tensor1D] {
  return run(GbmBatchNormTrain, { x, gamma, beta }, { eps });
}

/** The gradient of batchNormTrainForward's y: [dx, dgamma, dbeta] from dy and the forward's inputs and moments. */
export function batchNormTrainGrad<R extends tf.Rank>(
  dy: tf.Tensor<R>,
  x: tf.Tensor<R>,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  gamma: tf.Tensor1D,
  eps: number,
): [tf.Tensor<R>, tf.Tensor1D, tf.Tensor1D] {
  return run(GbmBatchNormGrad, { dy, x, mean, variance, gamma }, { eps });
}

/** a * old + b * cur: a running average. */
export function runningAverage(old: tf.Tensor, cur: tf.Tensor, a: number, b: number): tf.Tensor {
  return run(GbmEma, { old, cur }, { a, b });
}
