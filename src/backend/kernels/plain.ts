import { tf } from '../tf.js';
import { GbmBatchNormGrad, GbmBatchNormTrain, GbmEma, GbmSgdMomentum, type GbmBatchNormAttrs, type GbmEmaAttrs, type GbmSgdMomentumAttrs } from './names.js';

/*
 * The kit's kernels written with plain tf ops, registered for every backend that has no faster version (cpu, wasm,
 * tensorflow; webgpu under `stock`), so ops dispatch by name everywhere. A kernel may call tf ops: the engine
 * records no gradient tape inside a kernel, and tf.tidy leaves only the outputs behind.
 */

/** What tfjs passes a kernel function (the backend argument is unused: tf ops run on the current backend). */
export type KernelArgs = { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, unknown>; backend: unknown };

const t = (info: tf.TensorInfo) => info as tf.Tensor;

/** v' = momentum v + g + decay w; w' = w - lr v' (PyTorch's SGD with weight_decay). */
export function sgdMomentumPlain({ inputs: { w, g, v }, attrs }: KernelArgs): tf.Tensor[] {
  const { lr, momentum, decay } = attrs as unknown as GbmSgdMomentumAttrs;
  return tf.tidy(() => {
    const v2 = tf.add(tf.mul(t(v), momentum), decay === 0 ? t(g) : tf.add(t(g), tf.mul(t(w), decay)));
    return [v2, tf.sub(t(w), tf.mul(v2, lr))];
  });
}

/** xhat and 1 / sqrt(variance + eps), computed the same way in the forward and the backward (bit-identical). */
function normalise(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, eps: number): { xhat: tf.Tensor; invStd: tf.Tensor } {
  const invStd = tf.rsqrt(tf.add(variance, eps));
  return { xhat: tf.mul(tf.sub(x, mean), invStd), invStd };
}

/** [y, mean, variance] of batch norm in training mode, statistics over every axis but the last. */
export function batchNormTrainPlain({ inputs: { x, gamma, beta }, attrs }: KernelArgs): tf.Tensor[] {
  const { eps } = attrs as unknown as GbmBatchNormAttrs;
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(t(x), axes);
    const { xhat } = normalise(t(x), mean, variance, eps);
    return [tf.add(tf.mul(xhat, t(gamma)), t(beta)), mean, variance];
  });
}

/** [dx, dgamma, dbeta] of batch norm in training mode (the analytic gradient; xhat recomputed, not stored). */
export function batchNormGradPlain({ inputs: { dy, x, mean, variance, gamma }, attrs }: KernelArgs): tf.Tensor[] {
  const { eps } = attrs as unknown as GbmBatchNormAttrs;
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const n = x.shape.reduce((p, d) => p * d, 1) / x.shape[x.shape.length - 1];
    const { xhat, invStd } = normalise(t(x), t(mean), t(variance), eps);
    const sumDy = tf.sum(t(dy), axes);
    const sumDyXhat = tf.sum(tf.mul(t(dy), xhat), axes);
    const dx = tf.mul(tf.mul(t(gamma), invStd), tf.sub(t(dy), tf.add(tf.div(sumDy, n), tf.mul(xhat, tf.div(sumDyXhat, n)))));
    return [dx, sumDyXhat, sumDy];
  });
}

/** a * old + b * cur. */
export function emaPlain({ inputs: { old, cur }, attrs }: KernelArgs): tf.Tensor {
  const { a, b } = attrs as unknown as GbmEmaAttrs;
  return tf.tidy(() => tf.add(tf.mul(t(old), a), tf.mul(t(cur), b)));
}

/** The plain-op kernel configs for one backend. */
export function plainKernelConfigs(backendName: string): tf.KernelConfig[] {
  const funcs: Record<string, (args: KernelArgs) => tf.Tensor | tf.Tensor[]> = {
    [GbmSgdMomentum]: sgdMomentumPlain,
    [GbmBatchNormTrain]: batchNormTrainPlain,
    [GbmBatchNormGrad]: batchNormGradPlain,
    [GbmEma]: emaPlain,
  };
  return Object.entries(funcs).map(([kernelName, f]) => ({ kernelName, backendName, kernelFunc: f as unknown as tf.KernelFunc }));
}
